// The library reaches Node-only modules (onnxruntime-node, node:fs) through dynamic imports on code
// paths the browser never takes (also node:module/path, used to look for onnxruntime-node's CUDA files) (the app injects onnxruntime-web and passes model bytes). The bundler
// resolves those imports to this empty module instead of packaging Node code.
export {};
