import { generateKeyPairSync } from 'node:crypto';

/**
 * Team-written samples with planted secrets and PII, in code and in comments, and look-alikes
 * that must not be flagged. Secret values are assembled at run time (and the private key is
 * generated), so no token-shaped string or key lives in the repository.
 */
function pseudoRandom(seed: number, n: number, alphabet: string): string {
  let x = seed >>> 0 || 1;
  let s = '';
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    s += alphabet[x % alphabet.length];
  }
  return s;
}
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface Planted {
  /** The secret value as it appears in the text: must never reach an export or a prompt. */
  value: string;
  kind: 'secret' | 'private_key' | 'email' | 'ip';
  flag: string;
}

export function plantedValues() {
  const githubToken = 'gh' + 'p_' + pseudoRandom(11, 36, ALNUM);
  const awsKeyId = 'AK' + 'IA' + pseudoRandom(12, 16, UPPER_DIGITS);
  const slackToken = ['xo' + 'xb', '1234567890123', '1234567890123', pseudoRandom(13, 24, ALNUM)].join('-');
  const entropySecret = pseudoRandom(14, 40, ALNUM + '+/');
  const privateKey = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString()
    .trim();
  const email = 'maria.kowalska@' + 'posteo.de';
  const email2 = 'dev.ops.lead@' + 'acme-corp.com';
  const ipv4 = '8.8.4.' + '4';
  const ipv4b = '93.184.' + '216.34';
  const ipv6 = '2606:4700:' + '4700::1111';
  return { githubToken, awsKeyId, slackToken, entropySecret, privateKey, email, email2, ipv4, ipv4b, ipv6 };
}

export function plantedSamples() {
  const v = plantedValues();
  const python = `# Contact: ${v.email} for access
# GitHub token for CI (do not share): ${v.githubToken}
import requests

AWS_ACCESS_KEY_ID = "${v.awsKeyId}"
DB_PASSWORD = "${v.entropySecret}"
SERVER = "${v.ipv4}"

def fetch(path):
    """Fetch from the mirror at ${v.ipv4b} (ops: ${v.email2})."""
    return requests.get("http://" + SERVER + path, headers={"X-Slack": "${v.slackToken}"})
`;
  const javascript = `// Deploy key below; rotate it monthly.
const KEY = \`${v.privateKey}\`;
const upstream = '${v.ipv6}'; // resolver
function connect() {
  return net.connect({ host: upstream, key: KEY });
}
`;
  const lookalikes = `# Look-alikes that are not secrets or PII.
__version__ = "1.2.3.4"
VERSION = 'v10.0.0.1'
# requires python@3.11 and numpy>=1.26
LOCALHOST = "127.0.0.1"
ANY = "0.0.0.0"
DOC_NET = "192.0.2.15"  # RFC 5737 documentation range
LAN = "192.168.1.20"
DOC_V6 = "2001:db8::1"
LOOP_V6 = "::1"
AUTHOR = "Jane Doe <jane@example.com>"
SUPPORT = "help@example.org"
EXAMPLE_AWS = "AKIAIOSFODNN7EXAMPLE"
password = "changeme"
token = os.environ["GITHUB_TOKEN"]
api_key = settings.API_KEY
SHA = "3f786850e387550fdab836ed7e6dc881de23001b"
def matmul(x, y):
    return x@y.T, x@self.weights
OID = "1.3.6.1.4.1.311"
when = "12:30:45"
slice_ = data[a:b]
`;
  return { values: v, python, javascript, lookalikes };
}
