"""The schema and its limits: depth, aliases, tokens, batching; no introspection in production."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from api.graphql.access import EVERYONE, query
from api.graphql.audit import AuditQueries, HistoryQueries
from api.graphql.audit_compliance import ComplianceQueries
from api.graphql.audit_money import MoneyQueries
from api.graphql.citizens import CitizenMutations, CitizenQueries
from api.graphql.context import DarInfo
from api.graphql.counter import CounterMutations, CounterQueries
from api.graphql.dashboard import DashboardQueries, DashboardSubscriptions
from api.graphql.delegation_commands import DelegationMutations
from api.graphql.delegations import DelegationQueries
from api.graphql.display import DisplaySubscriptions
from api.graphql.errors import apply_contract
from api.graphql.house_commands import HouseCommands
from api.graphql.houses import HouseQueries
from api.graphql.inclusion import InclusionMutations
from api.graphql.inclusion_reads import InclusionQueries
from api.graphql.inclusion_statistics import InclusionStatisticsQueries
from api.graphql.partner_side import PartnerSideQueries, PartnerSideSubscriptions
from api.graphql.partner_status import PartnerStatusMutations, PartnerStatusQueries
from api.graphql.partners import PartnerMutations, PartnerQueries, PartnerSubscriptions
from api.graphql.payments import PaymentMutations, PaymentQueries
from api.graphql.requests import RequestMutations, RequestQueries
from api.graphql.scalars import SCALARS, Position
from api.graphql.settlement import SettlementMutations, SettlementQueries
from api.graphql.statistics import StatisticsQueries
from api.graphql.text import TextPolicy
from api.graphql.tills import TillMutations, TillQueries
from infrastructure.settings import Environment, Settings


@strawberry.type
class Query(
    PartnerQueries,
    HouseQueries,
    DelegationQueries,
    CitizenQueries,
    CounterQueries,
    RequestQueries,
    PartnerSideQueries,
    PaymentQueries,
    SettlementQueries,
    AuditQueries,
    DashboardQueries,
    HistoryQueries,
    MoneyQueries,
    ComplianceQueries,
    PartnerStatusQueries,
    TillQueries,
    StatisticsQueries,
    InclusionQueries,
    InclusionStatisticsQueries,
):
    @query(EVERYONE, "The position every read model has reached (the lowest).")
    async def position(self, info: DarInfo) -> Position:
        dar = info.context.dar
        reached = await info.context.blocking(
            lambda: min(dar.read.db.tracked(k) for k in dar.read.tracking_keys())
        )
        return Position(reached)


@strawberry.type
class Mutation(
    PartnerMutations,
    HouseCommands,
    DelegationMutations,
    CitizenMutations,
    CounterMutations,
    RequestMutations,
    PaymentMutations,
    SettlementMutations,
    PartnerStatusMutations,
    TillMutations,
    InclusionMutations,
):
    pass


@strawberry.type
class Subscription(
    PartnerSubscriptions, PartnerSideSubscriptions, DisplaySubscriptions, DashboardSubscriptions
):
    pass


class DarSchema(strawberry.Schema):
    """Puts every error in the contract's form; only unexpected ones are logged (once).

    Subscriptions are served over WebSocket only: `execute` (HTTP) refuses them. In production
    (`suggestions` off) no message suggests a name of the schema.
    """

    suggestions = True

    async def execute(  # noqa: PLR0913, PLR0917 - strawberry's signature
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,  # noqa: ANN401
        root_value: Any | None = None,  # noqa: ANN401
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Run a query or mutation; a subscription here is a bad request."""
        allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES)
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed - {OperationType.SUBSCRIPTION},
            operation_extensions,
        )

    def process_errors(
        self,
        errors: list[GraphQLError],
        execution_context: ExecutionContext | None = None,  # noqa: ARG002 - strawberry's signature
    ) -> None:
        """Refusals are answers, not incidents: map them; log and mask the rest."""
        for error in errors:
            apply_contract(error, suggestions=self.suggestions)


def build_schema(settings: Settings) -> strawberry.Schema:
    """The GraphQL schema configured for this environment.

    Built once per configuration and process (a schema holds no state of its own; building one
    costs some 70 ms, which every app a test process creates would pay again).
    """
    return _schema(
        settings.environment,
        settings.max_query_depth,
        settings.max_aliases,
        settings.max_tokens,
        settings.max_batch_operations,
    )


@functools.cache
def _schema(
    environment: Environment,
    max_query_depth: int,
    max_aliases: int,
    max_tokens: int,
    max_batch_operations: int,
) -> strawberry.Schema:
    production = environment is Environment.PRODUCTION
    # the limiters' rule classes are made once: they are part of the validation cache's key,
    # and limiters made per request would make new classes each time (every request a miss)
    rules = [
        *QueryDepthLimiter(max_depth=max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    ]
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        lambda: ParserCache(maxsize=1000),
        lambda: ValidationCache(maxsize=1000),
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        TextPolicy,  # every text argument checked and in NFC before any resolver runs
    ]
    if production:
        extensions.append(DisableIntrospection)
    schema = DarSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(
            disable_field_suggestions=production,
            scalar_map=SCALARS,
            batching_config={"max_operations": max_batch_operations},
        ),
    )
    schema.suggestions = not production
    return schema
