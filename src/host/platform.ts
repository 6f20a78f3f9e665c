import type { Platform } from '../image/index.js';

/** Node's `process.arch` as the Go architecture names OCI configs use. */
const GOARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

/** The platform of this machine, as an image built here should declare it. */
export function hostPlatform(): Platform {
  return { os: 'linux', architecture: GOARCH[process.arch] ?? process.arch };
}
