// Whole or not at all: write a temporary file in the same directory, fsync it, rename it over the target.
// A crash or error at any point leaves the old file (or none), never part of the new one.
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** The file operations used, so a test can make one fail part way. */
export interface WriteIo {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  rmSync(path: string, options: { force: boolean }): void;
}

export const nodeWriteIo: WriteIo = {
  openSync: (p, f) => fs.openSync(p, f),
  writeSync: (fd, b, o, l) => fs.writeSync(fd, b, o, l),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (a, b) => fs.renameSync(a, b),
  rmSync: (p, o) => fs.rmSync(p, o),
};

// a crash of the process itself can leave a `.<name>.<pid>.<random>.tmp`, never `file` half-written
const tempName = (file: string, pid: number, random: string): string => `.${basename(file)}.${pid}.${random}.tmp`;
const TEMP_NAME = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** The file and process a temporary file of `writeFileAtomically` was written for, or undefined for any other name. */
export const parseTempName = (name: string): { readonly target: string; readonly pid: number } | undefined => {
  const m = TEMP_NAME.exec(name);
  return m ? { target: m[1], pid: Number(m[2]) } : undefined;
};

// some systems cannot fsync a directory; the rename is done by then, only its durability is best-effort there
const CANNOT_SYNC_DIRECTORY = new Set(['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP', 'EACCES']);

const syncDirectory = (dir: string, io: WriteIo): void => {
  let fd: number | undefined;
  try {
    fd = io.openSync(dir, 'r');
    io.fsyncSync(fd);
  } catch (e) {
    if (!CANNOT_SYNC_DIRECTORY.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    if (fd !== undefined) io.closeSync(fd);
  }
};

/** Throws on I/O errors, after removing its temporary file. */
export const writeFileAtomically = (file: string, bytes: Uint8Array, io: WriteIo = nodeWriteIo): void => {
  const tmp = join(dirname(file), tempName(file, process.pid, randomBytes(4).toString('hex')));
  const fd = io.openSync(tmp, 'wx');
  try {
    try {
      for (let at = 0; at < bytes.length; ) at += io.writeSync(fd, bytes, at, bytes.length - at);
      io.fsyncSync(fd);
    } finally {
      io.closeSync(fd);
    }
    io.renameSync(tmp, file);
  } catch (e) {
    io.rmSync(tmp, { force: true });
    throw e;
  }
  syncDirectory(dirname(file), io);
};
