import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A self-signed certificate for 127.0.0.1 and localhost, made by openssl now: its PEM, its key, and where both lie. */
export interface SelfSigned {
  cert: string;
  key: string;
  /** The certificate's file (what `--ca-file` is given). */
  certFile: string;
  cleanup(): void;
}

/**
 * Makes a P-256 certificate valid for `days` (openssl at test time: nothing checked in
 * expires), for an HTTPS or TLS test target a runner must trust or refuse.
 */
export function selfSignedCertificate(days: number): SelfSigned {
  const dir = mkdtempSync(join(tmpdir(), 'atrium-cert-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      String(days),
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return {
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    certFile,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
