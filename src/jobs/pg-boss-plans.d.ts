/** pg-boss's SQL builders (no types of their own): see queue-executor.ts. */
declare module 'pg-boss/src/plans' {
  export function completeJobs(schema: string): string;
  export function failJobsById(schema: string): string;
}
