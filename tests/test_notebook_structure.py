"""The nine chapter notebooks share one shape, define only their own classes, and are stored with
clean outputs from one top-to-bottom run in a fresh kernel. Before them, ``00_notation`` is the
notation sheet: markdown only, no exercise.

Every check is parametrized by chapter, so a failure names the notebook. IPython magics are
turned into plain Python (as IPython itself does) before the code cells are parsed.
"""

import ast
import functools
import re
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

# Chapter -> the classes it may define ("built in the open"); everything else is imported.
CHAPTERS = {
    "01_dense_layer": {
        "Layer_Dense",
        "Activation_ReLU",
        "Activation_Softmax",
        "Loss_CategoricalCrossentropy",
    },
    "02_backpropagation": set(),
    "03_learning_rate_decay": set(),
    "04_momentum": {"Optimizer_SGD"},
    "05_adagrad": {"Optimizer_Adagrad"},
    "06_rmsprop": {"Optimizer_RMSprop"},
    "07_adam": {"Optimizer_Adam"},
    "08_regularization": {"Layer_Dropout"},
    "09_fashion_mnist": set(),
}
SECTIONS = [
    "Objectives",
    "The idea and the math",
    "Built in the open",
    "A run you can see",
    "Common mistakes",
    "Summary",
]
# Sliders come from nnlib.surfaces.explore, whose stored output is a static figure.
FORBIDDEN_MODULES = {"tqdm", "ipywidgets"}
NOTATION = "00_notation"
# What the sheet must define, each in its symbol column (LaTeX as the chapters write it).
NOTATION_SYMBOLS = [
    "$N$",
    "$D$",
    "$H$",
    "$X$",
    "$W$",
    "$b$",
    r"$G = \partial L / \partial Z$",
    r"$\eta$",
    r"$\theta$",
    r"$g_t = \partial L / \partial \theta$",
    "$t$",
    "$v$",
    r"$\mu$",
    "$c$",
    r"$\rho$",
    "$m$",
    "$s$",
    r"$\hat{m}$",
    r"$\lambda_1$",
]

# NumPy 2's repr of a bare scalar: np.float32(0.5), np.int64(3), np.True_, np.str_('a')...
NUMPY_SCALAR_REPR = re.compile(
    r"\bnp\.(?:(?:u?int|float|complex)\d*\(|(?:c?longdouble|bool|str_|bytes_)\(|True_|False_)"
)
# A plotting call's return value displayed as text instead of being assigned to `_`.
MATPLOTLIB_REPR = re.compile(r"<Figure size|<matplotlib\.|\[<matplotlib|<Axes[:>]|^Text\(", re.M)
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@functools.cache
def load(name):
    path = NOTEBOOKS / f"{name}.ipynb"
    if not path.exists():
        pytest.fail(f"{path.relative_to(NOTEBOOKS.parent)} does not exist")
    return nbformat.read(path, as_version=4)


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def markdown_lines(source):
    """The lines of a markdown cell outside fenced code blocks."""
    inside_fence = False
    for line in source.splitlines():
        if FENCE.match(line):
            inside_fence = not inside_fence
        elif not inside_fence:
            yield line


def headings(notebook):
    """(level, text, cell index) of every ATX heading in the markdown cells, in order."""
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        for line in markdown_lines(cell.source):
            match = HEADING.match(line)
            if match:
                found.append((len(match.group(1)), match.group(2), index))
    return found


@functools.cache
def syntax_trees(name):
    """One parsed module per code cell, magics turned into Python first."""
    transformer = TransformerManager()
    trees = []
    for number, cell in enumerate(code_cells(load(name)), start=1):
        source = transformer.transform_cell(cell.source)
        try:
            trees.append(ast.parse(source))
        except SyntaxError as error:
            pytest.fail(f"{name}: code cell {number} does not parse: {error}")
    return trees


def imported_modules(name):
    modules = set()
    for tree in syntax_trees(name):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module)
    return modules


def defined_classes(name):
    return {
        node.name
        for tree in syntax_trees(name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }


def output_texts(notebook):
    """(code cell number, text) for every text output, figures' own text fallback excepted."""
    for number, cell in enumerate(code_cells(notebook), start=1):
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                yield number, output.text
            elif output.output_type in ("execute_result", "display_data"):
                data = output.get("data", {})
                # A figure's "<Figure size ...>" stands in for the image and is never shown.
                if "text/plain" in data and "image/png" not in data:
                    yield number, data["text/plain"]


def is_nnfs_init(node):
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "init"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "nnfs"
    )


chapter = pytest.mark.parametrize("name", list(CHAPTERS))


def test_the_notebooks_are_the_notation_sheet_and_the_nine_chapters():
    assert sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb")) == [NOTATION, *CHAPTERS]


def test_the_notation_sheet_is_markdown_with_one_table_of_symbols():
    notebook = load(NOTATION)
    assert code_cells(notebook) == [], f"{NOTATION} is a sheet to read: no code cells"
    assert [(level, text) for level, text, _ in headings(notebook)] == [
        (1, "Notation"),
        (2, "Symbols"),
        (2, "Conventions"),
    ]
    text = "\n".join(cell.source for cell in notebook.cells)
    header = next(line for line in text.splitlines() if line.startswith("| Symbol"))
    columns = [cell.strip() for cell in header.strip("|").split("|")]
    assert columns == ["Symbol", "Meaning", "Shape", "The book's code", "Chapter"]
    symbols = [line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| $")]
    missing = [
        symbol for symbol in NOTATION_SYMBOLS if not any(s.startswith(symbol) for s in symbols)
    ]
    assert not missing, f"{NOTATION}: no table row for {missing}"
    for book_name in ("`dvalues`", "`self.iterations`", "`weight_momentums`", "`weight_cache`"):
        assert book_name in text, f"{NOTATION}: the book's {book_name} is not named"
    assert "RMSProp" not in text and "RMSprop" in text


@chapter
def test_title_cell(name):
    notebook = load(name)
    first = notebook.cells[0]
    assert first.cell_type == "markdown", f"{name}: the first cell must be the title"
    title = next(line for line in markdown_lines(first.source) if line.strip())
    number = int(name[:2])
    assert re.fullmatch(rf"# Chapter {number}: \S.*", title), (
        f"{name}: the first line must be '# Chapter {number}: Title', got {title!r}"
    )
    level_one = [text for level, text, _ in headings(notebook) if level == 1]
    assert len(level_one) == 1, f"{name}: one level-1 heading (the title), got {level_one}"


@chapter
def test_sections_in_order(name):
    sections = [text for level, text, _ in headings(load(name)) if level == 2]
    assert sections == SECTIONS


@chapter
def test_has_a_figure(name):
    outputs = (output for cell in code_cells(load(name)) for output in cell.get("outputs", []))
    assert any("image/png" in output.get("data", {}) for output in outputs), (
        f"{name}: no figure (image/png output)"
    )


@chapter
def test_imports_nnlib(name):
    modules = imported_modules(name)
    assert any(module.split(".")[0] == "nnlib" for module in modules), (
        f"{name}: no `import nnlib...` or `from nnlib... import`"
    )


@chapter
def test_no_progress_bars_or_widgets(name):
    used = {module.split(".")[0] for module in imported_modules(name)} & FORBIDDEN_MODULES
    assert not used, f"{name} imports {sorted(used)}"


@chapter
def test_defines_only_its_own_classes(name):
    extra = defined_classes(name) - CHAPTERS[name]
    assert not extra, (
        f"{name} defines {sorted(extra)}; it may define only {sorted(CHAPTERS[name]) or 'none'} "
        "and must import the rest from nnlib / nnlib.book"
    )


def test_no_class_is_defined_in_two_chapters():
    existing = [name for name in CHAPTERS if (NOTEBOOKS / f"{name}.ipynb").exists()]
    chapters_defining = {}
    for name in existing:
        for class_name in defined_classes(name):
            chapters_defining.setdefault(class_name, []).append(name)
    repeated = {cls: names for cls, names in chapters_defining.items() if len(names) > 1}
    assert not repeated, f"classes defined in more than one chapter: {repeated}"


@chapter
def test_nnfs_init_comes_first(name):
    trees = syntax_trees(name)
    cells_calling = [
        index for index, tree in enumerate(trees) for node in ast.walk(tree) if is_nnfs_init(node)
    ]
    if not cells_calling:
        pytest.skip(f"{name} does not call nnfs.init()")
    assert cells_calling == [0], f"{name}: nnfs.init() must be called once, in the first code cell"
    for statement in trees[0].body:
        if isinstance(statement, ast.Expr) and is_nnfs_init(statement.value):
            break
        assert isinstance(statement, ast.Import | ast.ImportFrom), (
            f"{name}: only imports may run before nnfs.init() (line {statement.lineno})"
        )
    else:
        pytest.fail(f"{name}: nnfs.init() must be a statement of its own in the first code cell")


@chapter
def test_executed_top_to_bottom_in_one_fresh_kernel(name):
    counts = [cell.execution_count for cell in code_cells(load(name))]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{name}: execution counts {counts}; run the whole notebook in a fresh kernel"
    )


@chapter
def test_no_error_outputs(name):
    errors = [
        (number, f"{output.ename}: {output.evalue}")
        for number, cell in enumerate(code_cells(load(name)), start=1)
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]
    assert not errors, f"{name}: errors in code cells {errors}"


@chapter
def test_no_bare_numpy_scalars_printed(name):
    found = [
        (number, match.group(0))
        for number, text in output_texts(load(name))
        for match in NUMPY_SCALAR_REPR.finditer(text)
    ]
    assert not found, f"{name}: NumPy scalar reprs in the outputs of code cells {found}"


@chapter
def test_no_matplotlib_object_reprs(name):
    found = [
        (number, match.group(0))
        for number, text in output_texts(load(name))
        for match in MATPLOTLIB_REPR.finditer(text)
    ]
    assert not found, (
        f"{name}: matplotlib object text in code cells {found}; end plots with plt.show() and "
        "assign other return values to _"
    )


@chapter
def test_summary_links_to_the_exercise(name):
    notebook = load(name)
    starts = [index for level, text, index in headings(notebook) if (level, text) == (2, "Summary")]
    assert starts, f"{name}: no Summary section"
    summary_start = starts[0]
    summary = "\n".join(
        cell.source for cell in notebook.cells[summary_start:] if cell.cell_type == "markdown"
    )
    link = re.compile(rf"\]\(\s*\.\./exercises/{re.escape(name)}\.ipynb\s*\)")
    assert link.search(summary), f"{name}: the Summary must link to ../exercises/{name}.ipynb"


@chapter
def test_links_to_the_notation_sheet(name):
    markdown = "\n".join(cell.source for cell in load(name).cells if cell.cell_type == "markdown")
    assert re.search(rf"\]\(\s*{NOTATION}\.ipynb\s*\)", markdown), (
        f"{name}: link the notation sheet, [notation]({NOTATION}.ipynb)"
    )


@pytest.mark.parametrize("name", [NOTATION, *CHAPTERS])
def test_one_spelling_of_rmsprop(name):
    text = "\n".join(cell.source for cell in load(name).cells)
    assert "RMSProp" not in text, f"{name}: write RMSprop, the course's one spelling"
