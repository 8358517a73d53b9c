import type { AgentCard } from '@a2a-js/sdk';
import { AgentRole } from '../contract';

/** What each role is for, as its card's skill tells a client. */
const SKILLS: Record<AgentRole, { name: string; description: string; examples: string[] }> = {
  architect: {
    name: 'Design software',
    description: 'Turns a goal into a design: modules, interfaces, data flow and a plan, written as files in the workspace.',
    examples: ['Design a rate limiter for our HTTP API and write the plan to docs/rate-limiter.md'],
  },
  developer: {
    name: 'Write and change code',
    description: 'Writes or changes code in the files it is given and returns the files it wrote.',
    examples: ['Add input validation to src/handler.ts and a test for it'],
  },
  qa: {
    name: 'Review and test code',
    description: 'Reviews the given code, writes tests and reports the problems it finds.',
    examples: ['Write unit tests for src/parser.ts covering malformed input'],
  },
  meta: {
    name: 'Coordinate the fleet',
    description: 'Plans and splits work across the other roles.',
    examples: ['Split this feature request into architect, developer and qa tasks'],
  },
};

/** The agent-card path under a role's base URL. */
export const AGENT_CARD_PATH = '.well-known/agent-card.json';

/** A role's base path on the gateway. */
export const rolePath = (role: AgentRole): string => `/a2a/${role}`;

/**
 * A role as an A2A agent: its JSON-RPC and HTTP+JSON endpoints under the
 * public URL, streaming, and bearer tokens.
 */
export function agentCard(role: AgentRole, publicUrl: string, version: string): AgentCard {
  const skill = SKILLS[role];
  const base = `${publicUrl}${rolePath(role)}`;
  const modes = { input: ['text/plain', 'application/octet-stream', 'application/json'], output: ['text/plain', 'application/octet-stream'] };
  return {
    name: `agent-hive-${role}`,
    description: `The ${role} agents of Agent Hive. ${skill.description}`,
    supportedInterfaces: [
      { url: `${base}/jsonrpc`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
      { url: `${base}/rest`, protocolBinding: 'HTTP+JSON', tenant: '', protocolVersion: '1.0' },
    ],
    provider: { organization: 'Agent Hive', url: publicUrl },
    version,
    capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: {
      bearer: { scheme: { $case: 'httpAuthSecurityScheme', value: { description: "A token from 'hive token create <client>'", scheme: 'Bearer', bearerFormat: 'opaque' } } },
    },
    securityRequirements: [{ schemes: { bearer: { list: [] } } }],
    defaultInputModes: modes.input,
    defaultOutputModes: modes.output,
    skills: [{ id: role, name: skill.name, description: skill.description, tags: [role, 'coding'], examples: skill.examples, inputModes: modes.input, outputModes: modes.output, securityRequirements: [] }],
    signatures: [],
  };
}
