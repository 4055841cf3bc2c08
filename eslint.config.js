// Type-aware lint (STYLE §15). Import directions: only src/hub.ts and its adapter pickers (src/hub-adapters.ts; tests/bench) may import a
// concrete store or bus adapter.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'web/dist/**', 'coverage/**', 'test-output/**', 'bench/out/**', 'eslint.config.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['bin/*.js'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/hub.ts', 'src/hub-adapters.ts', 'src/**/*.test.ts', 'src/**/*.contract.ts', 'src/store/**', 'src/bus/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/store/sqlite/*', '**/store/memory/*', '**/store/postgres/*'], message: 'Only src/hub.ts picks a store adapter (STYLE §2).' },
            { group: ['**/bus/memory/*', '**/bus/nats/*'], message: 'Only src/hub.ts picks a bus adapter (STYLE §2).' },
          ],
        },
      ],
    },
  },
);
