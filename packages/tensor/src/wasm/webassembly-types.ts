/**
 * The part of the WebAssembly JS API that @mini/tensor uses. TypeScript declares it only in
 * lib.dom (and @types/node ≥ 22); this package compiles with lib ES2022 + @types/node 20, which
 * have neither. Shapes follow lib.dom.d.ts. If the DOM lib is ever added, delete this file.
 *
 * A module (not a .d.ts) so the declarations travel with every file that imports it: other packages
 * compile these sources through the "@mini/source" condition, and dist/ consumers get them too.
 */
export {};

declare global {
  namespace WebAssembly {
    interface MemoryDescriptor {
      initial: number;
      maximum?: number;
      shared?: boolean;
    }
    interface Memory {
      readonly buffer: ArrayBuffer;
      grow(delta: number): number;
    }
    var Memory: {
      prototype: Memory;
      new (descriptor: MemoryDescriptor): Memory;
    };
    interface Module {}
    var Module: {
      prototype: Module;
      new (bytes: ArrayBufferView | ArrayBuffer): Module;
    };
    type ExportValue = Function | Global | Memory;
    type Exports = Record<string, ExportValue>;
    type ImportValue = ExportValue | number;
    type Imports = Record<string, Record<string, ImportValue>>;
    interface Instance {
      readonly exports: Exports;
    }
    var Instance: {
      prototype: Instance;
      new (module: Module, importObject?: Imports): Instance;
    };
    interface Global {
      value: any;
      valueOf(): any;
    }
    var Global: {
      prototype: Global;
    };
    function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
  }
}
