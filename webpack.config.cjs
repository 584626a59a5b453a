// Merged by `jupyter labextension build` into its webpack config (package.json
// jupyterlab.webpackConfig). A JupyterLab extension's chunks load once, lazily, from the
// local server: webpack's 244 KiB asset-size hint for web pages is noise here.
module.exports = { performance: { hints: false } };
