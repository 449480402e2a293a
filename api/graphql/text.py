"""The text policy (api/textpolicy.py) on every argument and input field of an operation.

Before execution, every text the operation gives is checked where it is given: a literal in the
document, a variable's value, a variable's default. A refusal is a `VALIDATION` error naming the
argument's path (`input.topic`, `input.documents[1]`, `code`), and nothing runs. Resolvers then
receive the text in NFC: variables are rewritten, and so are the document's literals (in a copy:
the parser's cached document is shared and left as it was).

What a document needs is worked out once per cached document and operation (the `plan`): which
literals are refused, the NFC copy of the document, and where each variable is used with which
input type. Each request then only walks its variables.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    Node,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    get_named_type,
    get_operation_ast,
    visit,
)
from graphql.language import ArgumentNode, DirectiveNode
from graphql.type import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from api.textpolicy import clean, nfc
from domain.shared.errors import ValidationError

PLAN_CACHE_SIZE = 1000


class _Same:
    """A key that is its object's identity (AST nodes compare by value, deeply)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.value is self.value


@dataclass(frozen=True)
class _Use:
    """A variable used where a value of `type_` is expected, at `path`."""

    name: str
    type_: GraphQLInputType
    path: str
    node: VariableNode


@dataclass(frozen=True)
class _Refusal:
    """A literal the policy refuses (kept as data: each request gets its own error)."""

    field: str
    detail: str
    node: Node


@dataclass
class Plan:
    """What one operation of one document needs from the policy."""

    document: DocumentNode
    refusal: _Refusal | None = None
    uses: list[_Use] = field(default_factory=list)

    def clean_variables(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        """The variables with every text in NFC, or a GraphQLError naming the first refused."""
        if self.refusal is not None:
            refused = self.refusal
            raise _error(ValidationError(refused.field, refused.detail), refused.node)
        cleaned = dict(variables)
        for use in self.uses:
            if use.name in cleaned:
                try:
                    cleaned[use.name] = clean_value(cleaned[use.name], use.type_, use.path)
                except ValidationError as error:
                    raise _error(error, use.node) from None
        return cleaned


def _error(refused: ValidationError, node: Node) -> GraphQLError:
    """The refusal as GraphQL reports it: at the value's place in the document."""
    return GraphQLError(refused.message, nodes=node, original_error=refused)


def clean_value(value: Any, type_: GraphQLInputType, path: str) -> Any:  # noqa: ANN401 - JSON
    """A variable's value with its texts cleaned, walked against its input type.

    What does not fit the type is left as it is: coercion refuses it next.
    """
    if isinstance(type_, GraphQLNonNull):
        return clean_value(value, type_.of_type, path)
    if isinstance(type_, GraphQLList):
        return _clean_list(value, type_, path)
    if isinstance(type_, GraphQLInputObjectType) and isinstance(value, dict):
        fields = type_.fields
        return {
            k: clean_value(v, fields[k].type, f"{path}.{k}") if k in fields else v
            for k, v in value.items()
        }
    if isinstance(type_, GraphQLScalarType) and isinstance(value, str):
        return clean(path, value)
    return value


def _clean_list(value: Any, type_: GraphQLList[Any], path: str) -> Any:  # noqa: ANN401 - JSON
    if isinstance(value, list):
        return [clean_value(v, type_.of_type, f"{path}[{i}]") for i, v in enumerate(value)]
    if value is None:
        return None
    return clean_value(value, type_.of_type, path)  # one value coerced to a list of one


class _Walker:
    """Finds the operation's literals and variable uses, with their input types and paths."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.defaults: dict[str, VariableDefinitionNode] = {}
        self.seen: set[str] = set()
        self.plan = Plan(document)

    def operation(self, operation: OperationDefinitionNode) -> None:
        self.defaults = {d.variable.name.value: d for d in operation.variable_definitions or ()}
        root = self.schema.get_root_type(operation.operation)
        self._directives(operation.directives)
        if root is not None:
            self._selections(root, operation.selection_set)

    def _selections(self, parent: GraphQLNamedType, selections: SelectionSetNode) -> None:
        for selection in selections.selections:
            self._directives(selection.directives)
            if isinstance(selection, FieldNode):
                self._field(parent, selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                if inner is not None:
                    self._selections(inner, selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                self._spread(selection.name.value)

    def _spread(self, name: str) -> None:
        fragment = self.fragments.get(name)
        if name in self.seen or fragment is None:
            return  # a fragment's arguments are the same wherever it is spread
        self.seen.add(name)
        inner = self.schema.get_type(fragment.type_condition.name.value)
        self._directives(fragment.directives)
        if inner is not None:
            self._selections(inner, fragment.selection_set)

    def _field(self, parent: GraphQLNamedType, node: FieldNode) -> None:
        definition = _field_def(self.schema, parent, node.name.value)
        if definition is None:
            return
        self._arguments(definition.args, node.arguments)
        if node.selection_set is not None:
            self._selections(get_named_type(definition.type), node.selection_set)

    def _directives(self, directives: tuple[DirectiveNode, ...] | None) -> None:
        for directive in directives or ():
            definition = self.schema.get_directive(directive.name.value)
            if definition is not None:
                self._arguments(definition.args, directive.arguments)

    def _arguments(self, args: Mapping[str, Any], given: tuple[ArgumentNode, ...] | None) -> None:
        for argument in given or ():
            definition = args.get(argument.name.value)
            if definition is not None:
                self._value(argument.value, definition.type, argument.name.value)

    def _value(self, node: ValueNode, type_: GraphQLInputType, path: str) -> None:
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if isinstance(node, VariableNode):
            self._variable(node, type_, path)
        elif isinstance(type_, GraphQLList):
            if not isinstance(node, ListValueNode):
                self._value(node, type_.of_type, path)  # one value coerced to a list of one
                return
            for i, item in enumerate(node.values):
                self._value(item, type_.of_type, f"{path}[{i}]")
        elif isinstance(type_, GraphQLInputObjectType) and isinstance(node, ObjectValueNode):
            for given in node.fields:
                definition = type_.fields.get(given.name.value)
                if definition is not None:
                    self._value(given.value, definition.type, f"{path}.{given.name.value}")
        elif isinstance(type_, GraphQLScalarType) and isinstance(node, StringValueNode):
            self._literal(node, path)

    def _variable(self, node: VariableNode, type_: GraphQLInputType, path: str) -> None:
        name = node.name.value
        self.plan.uses.append(_Use(name, type_, path, node))
        definition = self.defaults.get(name)
        if definition is not None and definition.default_value is not None:
            self._value(definition.default_value, type_, path)

    def _literal(self, node: StringValueNode, path: str) -> None:
        if self.plan.refusal is not None:
            return  # the first refusal is the one reported
        try:
            clean(path, node.value)
        except ValidationError as error:
            detail = error.message.removeprefix(f"{error.field}: ")
            self.plan.refusal = _Refusal(error.field, detail, node)


def _field_def(schema: GraphQLSchema, parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    if name == "__typename":
        return TypeNameMetaFieldDef
    if parent is schema.query_type and name in {"__schema", "__type"}:
        return SchemaMetaFieldDef if name == "__schema" else TypeMetaFieldDef
    fields: Mapping[str, GraphQLField] | None = getattr(parent, "fields", None)
    return None if fields is None else fields.get(name)


class _Normalise(Visitor):
    """Replaces each string literal that is not in NFC by its NFC form."""

    def enter_string_value(self, node: StringValueNode, *_: object) -> StringValueNode | None:
        normalised = nfc(node.value)
        return None if normalised == node.value else replace(node, value=normalised)


@lru_cache(maxsize=PLAN_CACHE_SIZE)
def plan_of(schema: _Same, document: _Same, operation_name: str | None) -> Plan | None:
    """The plan of one operation of a document (None when the operation is not found)."""
    assert isinstance(schema.value, GraphQLSchema)  # noqa: S101 - typed by the caller
    assert isinstance(document.value, DocumentNode)  # noqa: S101
    operation = get_operation_ast(document.value, operation_name)
    if operation is None:
        return None
    walker = _Walker(schema.value, document.value)
    walker.operation(operation)
    if walker.plan.refusal is None:
        normalised: DocumentNode = visit(document.value, _Normalise())
        walker.plan.document = normalised
    return walker.plan


class TextPolicy(SchemaExtension):
    """Applies the text policy before execution (see the module's docstring)."""

    def on_execute(self) -> Iterator[None]:
        """Refuse, or hand the resolvers NFC text."""
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            plan = plan_of(_Same(context.schema._schema), _Same(document), context.operation_name)  # noqa: SLF001 - graphql-core's schema
            if plan is not None:
                try:
                    variables = plan.clean_variables(context.variables or {})
                except GraphQLError as error:
                    if context.operation_type is OperationType.SUBSCRIPTION:
                        raise  # subscribe() does not look at a result set here
                    context.result = ExecutionResult(data=None, errors=[error])
                else:
                    context.graphql_document = plan.document
                    if context.variables is not None:
                        context.variables = variables
        yield
