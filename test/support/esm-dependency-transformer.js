// Jest transformer for the ESM-only dependencies (jose, oidc-provider): TypeScript's transpiler turns their
// `import`/`export` into CommonJS and keeps everything else as written (class fields stay native; ts-jest applied
// the project's `useDefineForClassFields: false` here and broke jose's error classes).
const { createHash } = require('node:crypto');
const ts = require('typescript');

const compilerOptions = {
  allowJs: true,
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  useDefineForClassFields: true,
  sourceMap: true,
};

module.exports = {
  process(source, filename) {
    const output = ts.transpileModule(source, { fileName: filename, compilerOptions });
    return { code: output.outputText, map: output.sourceMapText };
  },
  getCacheKey(source, filename) {
    return createHash('sha256').update('esm-dependency-transformer v1\0').update(filename).update(source).digest('hex');
  },
};
