import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { LabClustersError } from './errors.js';

const run = promisify(execFile);

/** File paths of one cluster's PKI, all PEM. */
export interface ClusterPki {
  /** CA that signs the serving certificate; clients trust it (kubeconfig `certificate-authority-data`). */
  caCert: string;
  caKey: string;
  /** kube-apiserver serving certificate for 127.0.0.1 / localhost / kubernetes.default.svc. */
  servingCert: string;
  servingKey: string;
  /** Service-account token signing key (private) and verification key (public). */
  serviceAccountKey: string;
  serviceAccountPub: string;
}

/** Paths of the PKI files for a cluster whose PKI lives in `pkiDir`. */
export function pkiPaths(pkiDir: string): ClusterPki {
  return {
    caCert: path.join(pkiDir, 'ca.crt'),
    caKey: path.join(pkiDir, 'ca.key'),
    servingCert: path.join(pkiDir, 'apiserver.crt'),
    servingKey: path.join(pkiDir, 'apiserver.key'),
    serviceAccountKey: path.join(pkiDir, 'sa.key'),
    serviceAccountPub: path.join(pkiDir, 'sa.pub'),
  };
}

// P-256 keys are made in-process (fast); X.509 needs the openssl CLI, which node:crypto lacks.
function ecKeyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new LabClustersError(
        'the openssl CLI was not found on PATH; lab clusters need it to make certificates (Debian: apt-get install openssl)',
        { cause: err },
      );
    }
    throw new LabClustersError(
      `openssl ${args[0] ?? ''} failed: ${e.stderr?.trim() ?? e.message}`,
      { cause: err },
    );
  }
}

/**
 * Creates a CA, a serving certificate and a service-account key pair for one cluster in
 * `pkiDir`, unless they already exist (a restarted cluster keeps its identity).
 */
export async function ensureClusterPki(pkiDir: string, clusterName: string): Promise<ClusterPki> {
  const pki = pkiPaths(pkiDir);
  try {
    const files = [
      pki.caCert,
      pki.caKey,
      pki.servingCert,
      pki.servingKey,
      pki.serviceAccountKey,
      pki.serviceAccountPub,
    ];
    await Promise.all(files.map((file) => access(file)));
    return pki;
  } catch {
    // Some file is missing: (re)generate the whole set so it stays consistent.
  }
  await mkdir(pkiDir, { recursive: true, mode: 0o700 });
  const ca = ecKeyPair();
  const serving = ecKeyPair();
  const sa = ecKeyPair();
  await Promise.all([
    writeFile(pki.caKey, ca.privateKey, { mode: 0o600 }),
    writeFile(pki.servingKey, serving.privateKey, { mode: 0o600 }),
    writeFile(pki.serviceAccountKey, sa.privateKey, { mode: 0o600 }),
    writeFile(pki.serviceAccountPub, sa.publicKey),
  ]);
  const days = '3650';
  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    pki.caKey,
    '-sha256',
    '-days',
    days,
    '-subj',
    `/O=lifeboat-lab/CN=${clusterName}-ca`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    pki.caCert,
  ]);
  // 10.0.0.1 is the `kubernetes` Service's cluster IP in the 10.0.0.0/24 service range.
  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    pki.servingKey,
    '-CA',
    pki.caCert,
    '-CAkey',
    pki.caKey,
    '-sha256',
    '-days',
    days,
    '-subj',
    `/O=lifeboat-lab/CN=${clusterName}-kube-apiserver`,
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.0.0.1',
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    '-addext',
    'extendedKeyUsage=serverAuth',
    '-out',
    pki.servingCert,
  ]);
  return pki;
}
