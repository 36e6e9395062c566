/** Slack identifiers of the pulse feature: commands, action ids, callback ids. */
export const PULSE_COMMAND = '/pulse' as const;
