/**
 * A throwaway TLS certificate for the stand-in: the Azure SDKs refuse bearer tokens over
 * plain http and MSAL insists on an https authority, so the stand-in must speak TLS.
 * openssl is on every build machine; an EC key keeps generation to a few milliseconds.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface StandInCertificate {
  dir: string;
  keyPem: string;
  certPem: string;
  /** Path of the certificate (self-signed, so it is its own CA) for `caFile`. */
  caFile: string;
  remove(): Promise<void>;
}

export async function createCertificate(): Promise<StandInCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'nhi-azure-stand-in-'));
  const keyFile = join(dir, 'key.pem');
  const caFile = join(dir, 'cert.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    caFile,
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  const [keyPem, certPem] = await Promise.all([
    readFile(keyFile, 'utf8'),
    readFile(caFile, 'utf8'),
  ]);
  return { dir, keyPem, certPem, caFile, remove: () => rm(dir, { recursive: true, force: true }) };
}
