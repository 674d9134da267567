"""explain(): the lecture's table for f = (x + y) * z with x=-2, y=5, z=-4."""
import io

import pytest

from chainrule.autodiff import Tensor, explain


def lecture_graph(named: bool = True):
    x = Tensor(-2.0, requires_grad=True, name="x" if named else None)
    y = Tensor(5.0, requires_grad=True, name="y" if named else None)
    z = Tensor(-4.0, requires_grad=True, name="z" if named else None)
    q = x + y
    f = q * z
    if named:
        q.name, f.name = "q", "f"
    return x, y, z, q, f


def assert_lecture_table(text: str) -> None:
    lines = [line.strip() for line in text.splitlines()]
    assert "q = add(x, y) = 3" in lines
    assert "f = mul(q, z) = -12" in lines
    assert "upstream  df/dq = -4" in lines
    assert any(line.startswith("local     df/dz = 3") for line in lines)
    assert any(line.startswith("local     dq/dx = 1") for line in lines)
    assert "df/dx = -4" in lines
    assert "df/dy = -4" in lines
    assert "df/dz = 3" in lines


def test_method_prints_the_lecture_table(capsys):
    *_, f = lecture_graph()
    f.explain()
    assert_lecture_table(capsys.readouterr().out)


def test_function_prints_the_lecture_table(capsys):
    *_, f = lecture_graph()
    explain(f)
    assert_lecture_table(capsys.readouterr().out)


def test_explain_writes_to_a_file_argument(capsys):
    *_, f = lecture_graph()
    buffer = io.StringIO()
    explain(f, file=buffer)
    assert capsys.readouterr().out == ""
    assert_lecture_table(buffer.getvalue())


def test_explain_leaves_the_gradients_on_the_leaves():
    x, y, z, _, f = lecture_graph()
    explain(f, file=io.StringIO())
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)


def test_unnamed_tensors_get_generated_names(capsys):
    *_, f = lecture_graph(named=False)
    f.explain()
    out = capsys.readouterr().out
    assert "= add(t1, t2) = 3" in out
    assert "= -12" in out


def test_explain_on_a_leaf_raises():
    x, *_ = lecture_graph()
    with pytest.raises(RuntimeError, match="leaf"):
        x.explain()


def test_explain_after_the_graph_was_freed_raises():
    *_, f = lecture_graph()
    f.backward()
    with pytest.raises(RuntimeError, match=r"freed by backward\(\).*retain_graph=True"):
        explain(f)


def test_explain_works_after_backward_with_retained_graph(capsys):
    *_, f = lecture_graph()
    f.backward(retain_graph=True)
    f.explain()
    assert_lecture_table(capsys.readouterr().out)
