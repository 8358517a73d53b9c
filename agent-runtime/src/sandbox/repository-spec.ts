/**
 * What a task may name as its repository, its base ref and the branch it
 * pushes. Checked where a task enters (the gateway, the agent's payload
 * parser) and again in the sandbox, so a bad value is refused with its field
 * named before anything runs, and nothing that looks like a git option
 * (`--upload-pack=...`) ever reaches git's command line.
 */

/** Transports the sandbox clones from: HTTPS (with the environment's token) and local paths (mirrors, tests). */
const REPOSITORY_PROTOCOLS = ['https:', 'http:', 'file:'] as const;

const REF = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;

/** Why `url` cannot be cloned, or undefined if it can. */
export function repositoryUrlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string' || url === '') return 'must be a non-empty string';
  if (url.startsWith('-')) return `must not start with '-' (got \`${url}\`)`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `must be a URL (https://host/owner/repo.git or file:///path), got \`${redactUserinfo(url)}\``;
  }
  if (!(REPOSITORY_PROTOCOLS as readonly string[]).includes(parsed.protocol)) {
    return `must use ${REPOSITORY_PROTOCOLS.join(', ')}, got \`${parsed.protocol}\``;
  }
  if (parsed.username || parsed.password) return 'must not carry credentials; the environment supplies the token (HIVE_GIT_TOKEN)';
  if (/[\s\0]/.test(url)) return 'must not contain whitespace or NUL';
  return undefined;
}

/** Why `ref` cannot name a branch, tag or commit to check out (or a branch to push), or undefined if it can. */
export function gitRefProblem(ref: unknown): string | undefined {
  if (typeof ref !== 'string' || ref === '') return 'must be a non-empty string';
  if (ref.startsWith('-')) return `must not start with '-' (got \`${ref}\`): it would be read as a git option`;
  if (!REF.test(ref) || ref.includes('..') || ref.includes('//') || ref.endsWith('/') || ref.endsWith('.lock') || ref.endsWith('.')) {
    return `must be a branch, tag or commit name of letters, digits and '._/-' (no '..', '//', trailing '/' or '.lock'), got \`${ref}\``;
  }
  return undefined;
}

function redactUserinfo(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//***@');
}
