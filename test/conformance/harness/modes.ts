/**
 * The four overlay mount modes the suite runs in. Every option is spelled out, so that a kernel
 * built with other defaults (CONFIG_OVERLAY_FS_REDIRECT_DIR=y, …) runs the same modes.
 */
export interface MountMode {
  name: 'default' | 'redirect_dir' | 'index' | 'metacopy';
  /** What the kernel gets after lowerdir/upperdir/workdir. */
  options: string;
  /** What the emulator gets. */
  emulator: { redirectDir?: boolean; index?: boolean; metacopy?: boolean };
}

export const MODES: readonly MountMode[] = [
  { name: 'default', options: 'redirect_dir=off,index=off,metacopy=off,xino=off', emulator: {} },
  { name: 'redirect_dir', options: 'redirect_dir=on,index=off,metacopy=off,xino=off', emulator: { redirectDir: true } },
  { name: 'index', options: 'index=on,redirect_dir=off,metacopy=off,xino=off', emulator: { index: true } },
  {
    name: 'metacopy',
    options: 'metacopy=on,redirect_dir=on,index=off,xino=off',
    emulator: { metacopy: true, redirectDir: true },
  },
];

export function modeByName(name: MountMode['name']): MountMode {
  return MODES.find((m) => m.name === name)!;
}
