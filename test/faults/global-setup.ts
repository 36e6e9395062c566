import { buildApp } from '../support/app-process';

/**
 * The fault suite's files start the built app as processes: build it once for the run.
 * FAULTS_SKIP_BUILD=1 reuses dist/ as it is (two suites run side by side must not rebuild it
 * under each other's processes).
 */
export default function globalSetup(): void {
  if (process.env.FAULTS_SKIP_BUILD !== '1') buildApp();
}
