// Builds the web UI into an output directory (default ../build/web), with no bundler:
//   OUT/index.html                      the page, pointing at the assets below
//   OUT/assets/<hash>/...               web/src (ES modules, CSS), the chart library and Swagger UI
//   OUT/style.css                       the stylesheet again at a fixed URL, for the server's own
//                                       pages (the sign-in refusal page of api/sign_in.cc)
//   OUT/.build-hash                     the hash of every input, to skip an unchanged build
// <hash> covers every input, so the server can let browsers cache /assets/ for a year
// (http/web_ui.h) while index.html is always revalidated.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(here, '..', 'build', 'web'));
const src = join(here, 'src');
const vendor = {
  'vendor/uPlot.esm.js': join(here, 'node_modules', 'uplot', 'dist', 'uPlot.esm.js'),
  'vendor/uPlot.min.css': join(here, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'),
  // The API reference page (views/api_reference.js) loads these two when it is opened.
  'vendor/swagger-ui-bundle.js': join(here, 'node_modules', 'swagger-ui-dist', 'swagger-ui-bundle.js'),
  'vendor/swagger-ui.css': join(here, 'node_modules', 'swagger-ui-dist', 'swagger-ui.css'),
};

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

for (const [name, path] of Object.entries(vendor)) {
  if (!existsSync(path)) {
    console.error(`web build: ${name} is missing; run npm ci in web/ first`);
    process.exit(1);
  }
}
const inputs = [
  ...filesUnder(src).map((path) => [relative(src, path), path]),
  ...Object.entries(vendor),
].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

const hasher = createHash('sha256');
for (const [name, path] of inputs) {
  hasher.update(name).update('\0').update(readFileSync(path)).update('\0');
}
const hash = hasher.digest('hex').slice(0, 16);

const stamp = join(out, '.build-hash');
if (existsSync(stamp) && existsSync(join(out, 'index.html')) && readFileSync(stamp, 'utf8') === hash) {
  console.log(`web build: ${out} is up to date (${hash})`);
  process.exit(0);
}

rmSync(out, { recursive: true, force: true });
const assets = join(out, 'assets', hash);
for (const [name, path] of inputs) {
  if (name === 'index.html') continue;
  mkdirSync(dirname(join(assets, name)), { recursive: true });
  cpSync(path, join(assets, name));
}
const page = readFileSync(join(src, 'index.html'), 'utf8').replaceAll('%ASSETS%', `/assets/${hash}`);
writeFileSync(join(out, 'index.html'), page);
cpSync(join(src, 'style.css'), join(out, 'style.css'));
writeFileSync(stamp, hash);
console.log(`web build: ${inputs.length} files into ${out} (assets/${hash})`);
