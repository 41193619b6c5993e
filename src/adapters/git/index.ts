export { sshPathProblem } from './git-auth.js';
export { GitRepoSource, type GitRepoSourceOptions } from './git-repo-source.js';
export { redactGitText } from './redact-git.js';
export { checkRepoUrl, locateRepo, type RepoLocation } from './repo-url.js';
export { type DiscoverOptions, discoverStackPaths, hasTerraformSource } from './stack-discovery.js';
