/**
 * The anonymity threshold in force for a round: the k snapshotted when it opened, raised (never
 * lowered) by the workspace's threshold now. Raising k later hides more; lowering it later must
 * not show groups that were below the k the round was answered under (docs/anonymity.md).
 * Every place that publishes, renders or seals by k asks this function, and nothing else.
 */
export function effectiveK(
  round: { k: number },
  workspaceSettings: { anonymityThreshold: number },
): number {
  return Math.max(round.k, workspaceSettings.anonymityThreshold);
}
