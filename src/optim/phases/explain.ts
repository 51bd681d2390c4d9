// The explain view as text: per phase, each entry and what it matched, so "why is this parameter thawed?" has an answer.
import type { EntryExplain } from './validate.js';

const how = { exact: 'exact name', regex: 'regex', 'invalid-regex': 'invalid regex' } as const;

export const describeExplain = (explain: readonly EntryExplain[]): string => {
  const lines: string[] = [];
  let phase = -1;
  for (const e of explain) {
    if (e.phase !== phase) lines.push(`phase ${(phase = e.phase)}:`);
    const matched = e.matches.length === 0 ? ['    (matches nothing)'] : e.matches.map((m) => `    ${m.name}${m.how === 'prefix' ? '   <- prefix match only' : ''}`);
    lines.push(`  params[${e.index}] '${e.entry}' (${how[e.as]}${e.error ? `: ${e.error}` : ''}), ${e.matches.length} match(es):`, ...matched);
  }
  return lines.join('\n');
};
