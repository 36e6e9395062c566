/** The shapes of a pulse survey's questions, shared by templates, rotation, Slack and results. */

export type QuestionKind = 'scale5' | 'enps' | 'text' | 'choice';

export interface QuestionDef {
  id: string;
  kind: QuestionKind;
  prompt: string;
  options?: string[];
}
