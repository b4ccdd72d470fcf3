/**
 * Activation functions as modules (no parameters), so they stack in a Sequential:
 * each is autograd's op of the same name, elementwise over any shape.
 */
import { gelu, relu, sigmoid, silu, tanh, type Variable } from "@mini/autograd";
import { asVariable, type Input } from "../input.js";
import { Module } from "../module.js";

/** max(0, x). */
export class ReLU extends Module {
  override forward(x: Input): Variable {
    return relu(asVariable(x));
  }
}

/** GELU, tanh approximation (GPT-2's, `gelu_pytorch_tanh`). */
export class GELU extends Module {
  override forward(x: Input): Variable {
    return gelu(asVariable(x));
  }
}

/** x·σ(x) (SiLU, "swish"). */
export class SiLU extends Module {
  override forward(x: Input): Variable {
    return silu(asVariable(x));
  }
}

export class Tanh extends Module {
  override forward(x: Input): Variable {
    return tanh(asVariable(x));
  }
}

export class Sigmoid extends Module {
  override forward(x: Input): Variable {
    return sigmoid(asVariable(x));
  }
}
