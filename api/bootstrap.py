"""The composition root: wires the one event store, the clock, the read models and the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TypeVar

from application.catalogue.service import CatalogueServiceHandlers
from application.citizens.purposes import Purposes
from application.citizens.service import CitizenService
from application.counter.requests import RequestService
from application.counter.service import CounterService
from application.delegation.policy import DelegationPolicy
from application.delegation.service import DelegationService
from application.deliveries.confirmations import DeliveryConfirmations
from application.deliveries.ports import PartnerPort
from application.deliveries.process import DeliveryProcess
from application.houses.service import HouseService
from application.inclusion.service import InclusionService
from application.partners.reachability import PartnerStatusService
from application.partners.service import PartnerService
from application.payments.follow_up import GatewayFollowUp
from application.payments.ports import Biller, PaymentGateway
from application.payments.service import PaymentService
from application.payments.tills import TillService
from application.settlement.service import SettlementService
from application.store import Clock, CommandRunner, EventStore
from infrastructure.clock import SystemClock
from infrastructure.eventstore.factory import is_postgres, open_event_store
from infrastructure.eventstore.pg_setup import EVENTS_TABLE
from infrastructure.partners.http import HttpPartners
from infrastructure.partners.worklist import ReadModelWorklist
from infrastructure.payments.signing import CallbackVerifier
from infrastructure.payments.simulated_biller import SimulatedBiller
from infrastructure.payments.simulated_gateway import SimulatedGateway
from infrastructure.readmodels import access_log as access_log_tables
from infrastructure.readmodels import audit as audit_tables
from infrastructure.readmodels import dashboard as dashboard_tables
from infrastructure.readmodels import deliveries as deliveries_tables
from infrastructure.readmodels import directory as directory_tables
from infrastructure.readmodels import inclusion as inclusion_tables
from infrastructure.readmodels import inclusion_statistics as inclusion_statistics_tables
from infrastructure.readmodels import partners as partners_tables
from infrastructure.readmodels import payments as payments_tables
from infrastructure.readmodels import queue as queue_tables
from infrastructure.readmodels import requests as requests_tables
from infrastructure.readmodels import statistics as statistics_tables
from infrastructure.readmodels import tills as tills_tables
from infrastructure.readmodels.access_log import (
    AccessLogQueries,
    AccessLogTable,
    create_access_log_table,
)
from infrastructure.readmodels.audit import (
    AuditIndexQueries,
    AuditIndexTable,
    create_audit_tables,
)
from infrastructure.readmodels.dashboard import (
    DashboardQueries,
    DashboardTables,
    create_dashboard_tables,
)
from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from infrastructure.readmodels.deliveries import (
    DeliveriesQueries,
    DeliveriesTables,
    create_deliveries_tables,
)
from infrastructure.readmodels.directory import (
    DirectoryQueries,
    DirectoryTables,
    create_directory_tables,
)
from infrastructure.readmodels.inclusion import (
    InclusionQueries,
    InclusionTables,
    create_inclusion_tables,
)
from infrastructure.readmodels.inclusion_statistics import (
    InclusionStatisticsQueries,
    InclusionStatisticsTables,
    create_inclusion_statistics_tables,
)
from infrastructure.readmodels.listen import PostgresWakeUp, ReadModelListener
from infrastructure.readmodels.partners import (
    PartnersQueries,
    PartnersTable,
    create_partners_table,
)
from infrastructure.readmodels.payments import (
    PaymentsQueries,
    PaymentsTables,
    create_payments_tables,
)
from infrastructure.readmodels.queue import QueueQueries, QueueTables, create_queue_tables
from infrastructure.readmodels.requests import (
    RequestsQueries,
    RequestsTables,
    create_requests_tables,
)
from infrastructure.readmodels.runner import (
    NewEvents,
    ProjectionRunner,
    ReadModelChanges,
    Registered,
)
from infrastructure.readmodels.setup import open_read_database
from infrastructure.readmodels.statistics import (
    StatisticsQueries,
    StatisticsTables,
    create_statistics_tables,
)
from infrastructure.readmodels.tills import TillsQueries, TillsTables, create_tills_tables
from infrastructure.reference import check_production_purposes, reference_purposes
from infrastructure.reference.places import business_calendar, governorate_names
from infrastructure.settings import Environment, Settings
from infrastructure.vault.vault import Vault, open_vault
from projections.audit.projection import AuditIndexProjection
from projections.citizens.projection import AccessLogProjection
from projections.dashboard.projection import DashboardProjection
from projections.deliveries.projection import DeliveriesProjection
from projections.directory.projection import DirectoryProjection
from projections.inclusion.projection import InclusionProjection
from projections.inclusion_statistics.projection import InclusionStatisticsProjection
from projections.partners.projection import PartnersProjection
from projections.payments.projection import PaymentsProjection
from projections.ports import Projection
from projections.queue.projection import QueueProjection
from projections.requests.projection import RequestsProjection
from projections.statistics.projection import StatisticsProjection
from projections.tills.projection import TillsProjection

W = TypeVar("W")


@dataclass(frozen=True)
class ReadModels:
    """The read models this process queries."""

    db: ReadDatabase
    partners: PartnersQueries
    partners_key: str
    directory: DirectoryQueries
    directory_key: str
    access_log: AccessLogQueries
    access_log_key: str
    queue: QueueQueries
    queue_key: str
    requests: RequestsQueries
    requests_key: str
    payments: PaymentsQueries
    payments_key: str
    dashboard: DashboardQueries
    dashboard_key: str
    audit: AuditIndexQueries
    audit_key: str
    deliveries: DeliveriesQueries
    deliveries_key: str
    tills: TillsQueries
    tills_key: str
    statistics: StatisticsQueries
    statistics_key: str
    inclusion_statistics: InclusionStatisticsQueries
    inclusion_statistics_key: str
    inclusion: InclusionQueries
    inclusion_key: str

    def tracking_keys(self) -> list[str]:
        """Tracking keys of every read model."""
        return [
            self.partners_key,
            self.directory_key,
            self.access_log_key,
            self.queue_key,
            self.requests_key,
            self.payments_key,
            self.dashboard_key,
            self.audit_key,
            self.deliveries_key,
            self.tills_key,
            self.statistics_key,
            self.inclusion_statistics_key,
            self.inclusion_key,
        ]


@dataclass(frozen=True)
class Dar:
    """One process's view of Dar: its store, services, read models and projection runner."""

    settings: Settings
    store: EventStore
    runner: CommandRunner
    partners: PartnerService
    houses: HouseService
    catalogue: CatalogueServiceHandlers
    delegations: DelegationService
    policy: DelegationPolicy
    vault: Vault
    citizens: CitizenService
    inclusion: InclusionService  # volunteers, training sessions and their participants
    counter: CounterService
    requests: RequestService
    payments: PaymentService
    tills: TillService  # agents' cash drawers, which every cash payment and refund goes through
    follow_up: GatewayFollowUp  # the gateway's payments taken to their end
    settlement: SettlementService
    partner_status: PartnerStatusService  # reports on partners' systems
    delivery: DeliveryProcess  # payments and files taken to partners' systems, confirmed once
    callbacks: CallbackVerifier
    simulated_gateway: SimulatedGateway | None
    clock: Clock
    read: ReadModels
    projections: ProjectionRunner
    new_events: NewEvents
    read_changes: ReadModelChanges  # this process's runner's commits, and on PostgreSQL any's

    def listener(self) -> ReadModelListener | None:
        """On PostgreSQL, the one LISTEN connection that hears every process's read-model commits.

        None on SQLite: only a runner in this process announces (others are seen by polling).
        """
        channel = self.read.db.channel
        if channel is None:
            return None
        return ReadModelListener(self.settings.database_url, channel, self.read_changes)

    def close(self) -> None:
        """Stop projecting and release connections."""
        self.projections.stop()
        self.read.db.close()
        self.vault.close()
        self.store.close()


def _registered(
    projection: Projection[W],
    writer: Callable[[ReadDatabase, SqlCursor], W],
    create: Callable[[ReadDatabase], None],
    tables: ModuleType,
) -> Registered[object]:
    """A projection with its writer, what creates its tables, and their names (`tables.ALL`)."""
    registered: Registered[W] = Registered(
        projection=projection,
        writer=writer,
        create_tables=create,
        tables=tuple(t.name for t in tables.ALL),
    )
    return registered  # type: ignore[return-value]


def projections() -> list[Registered[object]]:
    """Every projection of Dar with its tables; `ReadModels` finds each key by its class."""
    return [
        _registered(PartnersProjection(), PartnersTable, create_partners_table, partners_tables),
        _registered(
            DirectoryProjection(), DirectoryTables, create_directory_tables, directory_tables
        ),
        _registered(
            AccessLogProjection(), AccessLogTable, create_access_log_table, access_log_tables
        ),
        _registered(QueueProjection(), QueueTables, create_queue_tables, queue_tables),
        _registered(RequestsProjection(), RequestsTables, create_requests_tables, requests_tables),
        _registered(PaymentsProjection(), PaymentsTables, create_payments_tables, payments_tables),
        _registered(
            DashboardProjection(), DashboardTables, create_dashboard_tables, dashboard_tables
        ),
        _registered(AuditIndexProjection(), AuditIndexTable, create_audit_tables, audit_tables),
        _registered(
            DeliveriesProjection(), DeliveriesTables, create_deliveries_tables, deliveries_tables
        ),
        _registered(TillsProjection(), TillsTables, create_tills_tables, tills_tables),
        _registered(
            StatisticsProjection(business_calendar()),
            StatisticsTables,
            create_statistics_tables,
            statistics_tables,
        ),
        _registered(
            InclusionStatisticsProjection(),
            InclusionStatisticsTables,
            create_inclusion_statistics_tables,
            inclusion_statistics_tables,
        ),
        _registered(
            InclusionProjection(), InclusionTables, create_inclusion_tables, inclusion_tables
        ),
    ]


def _wake_up(settings: Settings) -> PostgresWakeUp | None:
    """On PostgreSQL, other processes' commits wake this process's followers at once."""
    if not is_postgres(settings.database_url):
        return None
    return PostgresWakeUp(settings.database_url, channel=EVENTS_TABLE)


def bootstrap(  # noqa: PLR0913 - what tests put in place of the outside world
    settings: Settings,
    clock: Clock | None = None,
    *,
    projector: bool = True,
    gateway: PaymentGateway | None = None,
    biller: Biller | None = None,
    partners: PartnerPort | None = None,
) -> Dar:
    """Build Dar for these settings; tests pass their own clock, gateway and biller.

    With `projector`, this process may write read models (single-process mode, the worker).
    Without a gateway given, in development the simulated one plays the partners' servers; no
    real gateway is connected yet, so production refuses card payments (cash works). Partners'
    systems are reached over HTTP at `partner_endpoints` unless `partners` is given.
    """
    settings.check_production_secrets()
    purposes = reference_purposes(settings.purposes_file)
    if settings.environment is Environment.PRODUCTION:
        check_production_purposes(purposes)
    store = open_event_store(settings)
    vault = open_vault(settings)
    new_events = NewEvents()
    read_changes = ReadModelChanges()
    the_clock = clock or SystemClock()
    runner = CommandRunner(store, the_clock, on_saved=lambda _: new_events.signal())
    read_db = open_read_database(settings, projector=projector)
    all_projections = projections()
    key_of: dict[type, str] = {type(r.projection): r.projection.key for r in all_projections}
    read = ReadModels(
        db=read_db,
        partners=PartnersQueries(read_db),
        partners_key=key_of[PartnersProjection],
        directory=DirectoryQueries(read_db),
        directory_key=key_of[DirectoryProjection],
        access_log=AccessLogQueries(read_db),
        access_log_key=key_of[AccessLogProjection],
        queue=QueueQueries(read_db),
        queue_key=key_of[QueueProjection],
        requests=RequestsQueries(read_db, business_calendar()),
        requests_key=key_of[RequestsProjection],
        payments=PaymentsQueries(read_db),
        payments_key=key_of[PaymentsProjection],
        dashboard=DashboardQueries(read_db),
        dashboard_key=key_of[DashboardProjection],
        audit=AuditIndexQueries(read_db),
        audit_key=key_of[AuditIndexProjection],
        deliveries=DeliveriesQueries(read_db),
        deliveries_key=key_of[DeliveriesProjection],
        tills=TillsQueries(read_db),
        tills_key=key_of[TillsProjection],
        statistics=StatisticsQueries(read_db),
        statistics_key=key_of[StatisticsProjection],
        inclusion_statistics=InclusionStatisticsQueries(read_db),
        inclusion_statistics_key=key_of[InclusionStatisticsProjection],
        inclusion=InclusionQueries(read_db),
        inclusion_key=key_of[InclusionProjection],
    )
    houses = HouseService(store, runner, governorate_names(), business_calendar())
    policy = DelegationPolicy(store, the_clock)
    citizens = CitizenService(store, runner, vault, Purposes(purposes), the_clock)
    secret = settings.gateway_secret.get_secret_value().encode()
    development = settings.environment is Environment.DEVELOPMENT
    simulated = SimulatedGateway(secret) if gateway is None and development else None
    the_gateway = gateway or simulated
    follow_up = GatewayFollowUp(store, runner, the_gateway)
    delivery = DeliveryProcess(
        ReadModelWorklist(read_db, read.deliveries, read.deliveries_key),
        partners or HttpPartners(settings.partner_endpoints, settings.partner_timeout_seconds),
        DeliveryConfirmations(store, runner),
        the_clock.now,
    )
    return Dar(
        settings=settings,
        store=store,
        runner=runner,
        partners=PartnerService(store, runner),
        houses=houses,
        catalogue=CatalogueServiceHandlers(store, runner),
        delegations=DelegationService(store, runner),
        policy=policy,
        vault=vault,
        citizens=citizens,
        inclusion=InclusionService(store, runner, vault),
        counter=CounterService(store, runner),
        requests=RequestService(store, runner, policy, citizens, houses),
        payments=PaymentService(
            store, runner, policy, citizens, the_gateway, biller or SimulatedBiller(), follow_up
        ),
        tills=TillService(store, runner),
        follow_up=follow_up,
        settlement=SettlementService(store, runner),
        partner_status=PartnerStatusService(store, runner),
        delivery=delivery,
        callbacks=CallbackVerifier(secret, the_clock),
        simulated_gateway=simulated,
        clock=the_clock,
        read=read,
        projections=ProjectionRunner(
            store,
            read_db,
            all_projections,
            new_events=new_events,
            wake_up=_wake_up(settings),
            changes=read_changes,
        ),
        new_events=new_events,
        read_changes=read_changes,
    )
