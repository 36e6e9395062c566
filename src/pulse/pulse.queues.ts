/** Queue names of the pulse feature, and the data each job carries. */
export const PULSE_QUEUES = {
  /** One DM inviting one person to one round. */
  deliver: 'pulse.deliver',
  /** Closes a round at the end of its window. */
  close: 'pulse.close',
  /** The timed reminder of a round: fans out one remindPerson per non-responder. */
  remind: 'pulse.remind',
  remindPerson: 'pulse.remind-person',
  /** After an answer: the DM is updated to say it was recorded (without any value). */
  answered: 'pulse.answered',
  /** When a round closes: the summary for the HR channel (only when above k). */
  hrSummary: 'pulse.hr-summary',
  /** Every few minutes: opens scheduled rounds that are due. */
  scheduleTick: 'pulse.schedule-tick',
} as const;

/** A job about one person's invitation to one round. */
export interface RoundPersonJobData {
  roundId: string;
  personId: string;
}

/** A job about one round. */
export interface RoundJobData {
  roundId: string;
}
