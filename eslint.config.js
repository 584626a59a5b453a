// Flat config mirroring the JupyterLab extension template's rules.
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['lib/', 'node_modules/', 'jupyterlab_pipeline_viewer/', '.venv/', 'ui-tests/test-results/'] },
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['warn', { args: 'none' }],
      eqeqeq: 'error',
      'prefer-arrow-callback': 'error'
    }
  }
);
