import type { BuiltIssue } from '../render/build.ts';

/** The check report as text for the preview's Check view. */
export async function checkReportText(_built: BuiltIssue): Promise<string> {
  return 'Not available yet: the check module (src/check/index.ts) has not landed in this tree.\nRun `newsletter check` once it exists.\n';
}
