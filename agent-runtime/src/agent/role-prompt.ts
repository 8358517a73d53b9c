import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentRole } from '../contract';

/** The role's system prompt, from `prompts/<role>.md` beside `dist/` (the role image adds it). */
export function loadRolePrompt(role: AgentRole, promptDir = join(__dirname, '..', '..', 'prompts')): string {
  const file = join(promptDir, `${role}.md`);
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the ${role} prompt at ${file}: ${(error as Error).message}`);
  }
}
