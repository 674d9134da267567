"""Reverse-mode automatic differentiation: Tensor, Function, backward, gradcheck, explain."""
from chainrule.autodiff.explain import explain
from chainrule.autodiff.function import Function, unbroadcast
from chainrule.autodiff.gradcheck import GradientCheckError, check_grad, gradcheck
from chainrule.autodiff.graph import is_grad_enabled, no_grad
from chainrule.autodiff.tape import GradientTape
from chainrule.autodiff.tensor import Tensor, as_tensor

__all__ = ["Function", "GradientCheckError", "GradientTape", "Tensor", "as_tensor", "check_grad",
           "explain", "gradcheck", "is_grad_enabled", "no_grad", "unbroadcast"]
