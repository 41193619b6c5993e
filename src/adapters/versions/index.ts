export {
  BinaryCache,
  type BinaryInstaller,
  type InstallLockOptions,
  type InstallOutcome,
} from './binary-cache.js';
export { findOnPath, PathProbe, parseVersionOutput, readBinaryVersion } from './binary-version.js';
export { DEFAULT_HTTP, type HttpOptions } from './http-fetch.js';
export { NativeInstaller } from './native-installer.js';
export {
  currentPlatform,
  OFFICIAL_MIRRORS,
  type Platform,
  ReleaseIndex,
  releaseLayout,
} from './release-index.js';
export { SwitcherInstaller } from './switcher-installer.js';
export { NativeToolResolver, type NativeToolResolverOptions } from './tool-resolver.js';
export { type Detection, detectVersion } from './version-detection.js';
export { parseConstraint, parseVersionSpec, satisfiesAll, toSemverRange } from './version-spec.js';
