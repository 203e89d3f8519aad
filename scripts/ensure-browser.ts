/**
 * Makes sure the browser tests have Debian's Chromium before `npm test` runs them.
 *
 * Why Debian's package and not a browser inside an npm package: the machines we target list
 * Chromium among Debian's packages and its shared libraries come with it, while the npm packages
 * that carry a Chromium build target other systems (AWS Lambda's Amazon Linux) and need libraries
 * a fresh Debian does not have. Playwright's own download (`npx playwright install`) fetches from
 * a CDN this kind of machine cannot reach, and we never download a browser from anywhere but the
 * npm registry or Debian. So: when `/usr/bin/chromium` is missing and we run as root, install it
 * with apt-get; otherwise say exactly what to run and fail.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromiumPath = '/usr/bin/chromium';

function run(command: string, arguments_: string[]): void {
  const result = spawnSync(command, arguments_, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) {
    throw new Error(`\`${command} ${arguments_.join(' ')}\` failed (exit code ${result.status})`);
  }
}

function main(): number {
  if (existsSync(chromiumPath)) return 0;
  const installCommand = 'apt-get update && apt-get install -y --no-install-recommends chromium';
  const isRoot = process.getuid?.() === 0;
  const hasAptGet = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasAptGet) {
    process.stderr.write(
      `npm test: the browser tests drive Debian's Chromium at ${chromiumPath}, which is not ` +
        `installed, and this process cannot install it (${isRoot ? 'no apt-get' : 'not root'}).\n` +
        `Install it once with:  sudo sh -c '${installCommand}'\n`,
    );
    return 1;
  }
  process.stdout.write(
    `npm test: installing Debian's Chromium for the browser tests (${installCommand})…\n`,
  );
  try {
    // A package run cut short earlier (a killed machine, an interrupted apt-get) leaves dpkg
    // refusing every install until it is configured; finishing that first is what apt asks for
    // and does nothing when there is nothing pending.
    run('dpkg', ['--configure', '-a']);
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
  } catch (error) {
    process.stderr.write(`npm test: could not install Chromium: ${(error as Error).message}\n`);
    return 1;
  }
  if (!existsSync(chromiumPath)) {
    process.stderr.write(
      `npm test: apt-get installed chromium, but ${chromiumPath} is still missing\n`,
    );
    return 1;
  }
  return 0;
}

process.exitCode = main();
