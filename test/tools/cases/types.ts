/** One conformance case: files in a fresh workspace, then actions whose outputs must match exactly. */
export interface ToolCase {
  name: string;
  /** Workspace files (relative path -> content). */
  files?: Record<string, string | Buffer>;
  /** Workspace files made read-only (chmod 444) before the shell starts. */
  readOnly?: string[];
  /**
   * Actions in order, each optionally with its expected output; `{WS}` stands for the workspace as the tools
   * see it. Multi-line actions are guarded with heredocs like the environment does.
   */
  steps: Array<[action: string, expected?: string]>;
  /** Workspace files' contents after the steps. */
  after?: Record<string, string>;
}
