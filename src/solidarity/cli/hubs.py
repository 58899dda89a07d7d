"""`solidarity hubs`: hubs, receipts, dispatches, stock, shipments, proof of delivery and requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer

from solidarity.cli.context import JsonOption, console, get, print_json, print_table
from solidarity.hubs import ledger, locations, reports, requests, shipments
from solidarity.hubs.models import LocationKind, Priority, RequestState, TrackingKind
from solidarity.hubs.schemas import HubPublic, RequestPublic, ShipmentPublic, StockRowPublic

app = typer.Typer(help="Response hubs: stock, requests, shipments and proof of delivery.", no_args_is_help=True)
request_app = typer.Typer(help="Supply requests and their life cycle.", no_args_is_help=True)
app.add_typer(request_app, name="request")

DAY = ["%Y-%m-%d"]


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def _print_shipment(shipment: ShipmentPublic, as_json: bool) -> None:
    if as_json:
        print_json(shipment.model_dump(mode="json"))
        return
    overdue = " (overdue)" if shipment.is_overdue else ""
    console.print(f"Shipment {shipment.id} to {shipment.country_code}: {shipment.state.value}{overdue}", markup=False)
    print_table(
        "Picked first-expiry-first-out",
        ["line", "item", "lot", "expiry", "owner", "shipped", "accepted", "rejected"],
        [[x.id, x.item, x.lot, x.expiry, x.owner, x.quantity, x.accepted, x.rejected] for x in shipment.lines],
    )


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Hub name"),
    country: str = typer.Option(..., "--country", help="ISO code or name"),
    city: str = typer.Option(None, "--city"),
    operator: str = typer.Option(None, "--operator", help="Operating organisation: id, name or acronym"),
    as_json: bool = JsonOption,
) -> None:
    """Register a hub (warehouse)."""
    context = get(ctx)
    with context.transaction() as session:
        operator_id = locations.resolve_owner(session, operator).id if operator else None
        hub = HubPublic.of(
            locations.create_hub(
                session, context.actor, name=name, country=country, city=city, operator_organisation_id=operator_id
            )
        )
    if as_json:
        print_json(hub.model_dump(mode="json"))
    else:
        console.print(f"Registered hub {hub.id}: {hub.name} ({hub.country_code})", markup=False)


@app.command("list")
def list_hubs(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """List hubs."""
    context = get(ctx)
    with context.transaction() as session:
        hubs = [HubPublic.of(h) for h in locations.list_hubs(session)]
    if as_json:
        print_json([h.model_dump(mode="json") for h in hubs])
        return
    print_table("Hubs", ["id", "name", "country", "city"], [[h.id, h.name, h.country_code, h.city] for h in hubs])


@app.command("receive")
def receive(
    ctx: typer.Context,
    hub: str = typer.Option(..., "--hub", help="Hub id or name"),
    item: str = typer.Option(..., "--item", help="Catalogue code or unambiguous name"),
    quantity: int = typer.Option(..., "--quantity"),
    lot: str = typer.Option(None, "--lot"),
    expiry: dt.datetime = typer.Option(None, "--expiry", formats=DAY, help="YYYY-MM-DD"),
    owner: str = typer.Option(None, "--owner", help="Owning organisation (default: the hub's operator)"),
    flow: int = typer.Option(None, "--flow", help="In-kind assistance flow id this receipt fulfils"),
    document: str = typer.Option(None, "--document", help="Waybill or delivery note number"),
    as_json: bool = JsonOption,
) -> None:
    """Receive a donation or procurement into a hub."""
    context = get(ctx)
    with context.transaction() as session:
        move = ledger.receive(
            session,
            context.actor,
            hub=hub,
            item=item,
            quantity=quantity,
            lot=lot,
            expiry=_day(expiry),
            owner=owner,
            flow_id=flow,
            document_number=document,
        )
        data = {
            "move_id": move.id,
            "quantity": move.quantity,
            "lot_id": move.lot_id,
            "owner_organisation_id": move.owner_organisation_id,
            "assistance_flow_id": move.assistance_flow_id,
        }
    if as_json:
        print_json(data)
    else:
        console.print(f"Received {quantity} {item} at {hub} (move {data['move_id']})", markup=False)


@app.command("dispatch")
def dispatch(
    ctx: typer.Context,
    hub: str = typer.Option(..., "--hub", help="Hub id or name"),
    to: str = typer.Option(..., "--to", help="Destination country ISO code"),
    item: str = typer.Option(..., "--item", help="Catalogue code or unambiguous name"),
    quantity: int = typer.Option(..., "--quantity"),
    lot: str = typer.Option(None, "--lot", help="Only this lot (default: first expiry first out)"),
    owner: str = typer.Option(None, "--owner", help="Only this owner's stock"),
    request: int = typer.Option(None, "--request", help="The approved request this fulfils"),
    expected: dt.datetime = typer.Option(None, "--expected-arrival", formats=DAY),
    as_json: bool = JsonOption,
) -> None:
    """Pick (first expiry first out) and dispatch; above stock on hand it exits 2 naming the shortfall."""
    context = get(ctx)
    with context.transaction() as session:
        shipment = shipments.dispatch(
            session,
            context.actor,
            hub=hub,
            country=to,
            item=item,
            quantity=quantity,
            lot=lot,
            owner=owner,
            request_id=request,
            expected_arrival=_day(expected),
        )
        public = ShipmentPublic.of(session, shipment)
    _print_shipment(public, as_json)


@app.command("stock")
def stock(
    ctx: typer.Context,
    hub: str = typer.Option(None, "--hub", help="Hub id or name"),
    item: str = typer.Option(None, "--item"),
    owner: str = typer.Option(None, "--owner"),
    as_json: bool = JsonOption,
) -> None:
    """Stock on hand by hub, item, lot and owner."""
    context = get(ctx)
    with context.transaction() as session:
        rows = [StockRowPublic.of(r) for r in ledger.stock_on_hand(session, hub=hub, item=item, owner=owner)]
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Stock on hand",
        ["hub", "item", "lot", "expiry", "owner", "quantity"],
        [[r.hub, r.item, r.lot, r.expiry, r.owner, r.quantity] for r in rows],
    )


@app.command("expiring")
def expiring(
    ctx: typer.Context,
    days: int = typer.Option(90, "--days", min=0),
    hub: str = typer.Option(None, "--hub"),
    as_json: bool = JsonOption,
) -> None:
    """Stock whose lot expires within DAYS (expired lots included)."""
    context = get(ctx)
    with context.transaction() as session:
        rows = [StockRowPublic.of(r) for r in reports.expiring_soon(session, days=days, hub=hub)]
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        f"Expiring within {days} days",
        ["hub", "item", "lot", "expiry", "owner", "quantity"],
        [[r.hub, r.item, r.lot, r.expiry, r.owner, r.quantity] for r in rows],
    )


@app.command("shipments")
def list_shipments(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """List shipments, newest first, with the overdue flag."""
    context = get(ctx)
    with context.transaction() as session:
        rows = [ShipmentPublic.of(session, s) for s in shipments.list_shipments(session)]
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Shipments",
        ["id", "to", "state", "units", "expected", "overdue", "request"],
        [
            [
                s.id,
                s.country_code,
                s.state.value,
                sum(x.quantity for x in s.lines),
                s.expected_arrival,
                "yes" if s.is_overdue else "",
                s.request_id,
            ]
            for s in rows
        ],
    )


@app.command("shipment")
def show_shipment(ctx: typer.Context, shipment: int = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Show a shipment: its picked lots, tracking and proof of delivery."""
    context = get(ctx)
    with context.transaction() as session:
        public = ShipmentPublic.of(session, shipments.get_shipment(session, shipment))
    _print_shipment(public, as_json)


@app.command("track")
def track(
    ctx: typer.Context,
    shipment: int = typer.Argument(...),
    kind: TrackingKind = typer.Option(..., "--kind"),
    place: str = typer.Option(None, "--place"),
    note: str = typer.Option(None, "--note"),
) -> None:
    """Record a tracking event of a dispatched shipment (transit point, customs, arrived)."""
    context = get(ctx)
    with context.transaction() as session:
        shipments.add_tracking_event(session, context.actor, shipment, kind=kind, place=place, note=note)
    console.print(f"Shipment {shipment}: {kind.value} recorded", markup=False)


@app.command("deliver")
def deliver(
    ctx: typer.Context,
    shipment: int = typer.Argument(..., help="Shipment id"),
    accepted: int = typer.Option(..., "--accepted"),
    rejected: int = typer.Option(..., "--rejected"),
    reason: str = typer.Option(None, "--reason", help="Why goods were rejected"),
    damaged: bool = typer.Option(False, "--damaged", help="Rejected goods go to damaged, not back to stock"),
    as_json: bool = JsonOption,
) -> None:
    """Record proof of delivery: accepted + rejected must equal what was shipped."""
    context = get(ctx)
    with context.transaction() as session:
        done = shipments.deliver_totals(
            session,
            context.actor,
            shipment,
            accepted=accepted,
            rejected=rejected,
            reason=reason,
            rejected_to=LocationKind.DAMAGED if damaged else LocationKind.HUB,
        )
        public = ShipmentPublic.of(session, done)
    _print_shipment(public, as_json)


@app.command("lost")
def lost(ctx: typer.Context, shipment: int = typer.Argument(...), reason: str = typer.Option(..., "--reason")) -> None:
    """Declare a dispatched shipment lost in transit (an explicit, audited decision)."""
    context = get(ctx)
    with context.transaction() as session:
        shipments.declare_lost(session, context.actor, shipment, reason=reason)
    console.print(f"Shipment {shipment} declared lost", markup=False)


@app.command("lend")
def lend(
    ctx: typer.Context,
    hub: str = typer.Option(..., "--hub"),
    item: str = typer.Option(..., "--item"),
    quantity: int = typer.Option(..., "--quantity"),
    lender: str = typer.Option(..., "--from"),
    borrower: str = typer.Option(..., "--to"),
    expected_return: dt.datetime = typer.Option(None, "--expected-return", formats=DAY),
) -> None:
    """Lend stock to another partner in the same hub."""
    context = get(ctx)
    with context.transaction() as session:
        loan = ledger.lend(
            session,
            context.actor,
            hub=hub,
            item=item,
            quantity=quantity,
            lender=lender,
            borrower=borrower,
            expected_return_on=_day(expected_return),
        )
        loan_id = loan.id
    console.print(f"Loan {loan_id} recorded", markup=False)


@app.command("reverse")
def reverse(ctx: typer.Context, move: int = typer.Argument(...), reason: str = typer.Option(..., "--reason")) -> None:
    """Correct a stock move with a reversing move."""
    context = get(ctx)
    with context.transaction() as session:
        reversal = ledger.reverse_move(session, context.actor, move, reason)
        reversal_id = reversal.id
    console.print(f"Move {move} reversed by move {reversal_id}", markup=False)


@app.command("pipeline")
def pipeline(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """Units requested, approved, shipped and delivered per destination country."""
    context = get(ctx)
    with context.transaction() as session:
        rows = reports.pipeline(session)
    if as_json:
        print_json([r.__dict__ for r in rows])
        return
    print_table(
        "Pipeline",
        ["country", "requested", "approved", "shipped", "delivered", "in transit"],
        [[r.country, r.requested, r.approved, r.shipped, r.delivered, r.in_transit] for r in rows],
    )


def _print_request(request: RequestPublic, as_json: bool) -> None:
    if as_json:
        print_json(request.model_dump(mode="json"))
        return
    console.print(f"Request {request.id} from {request.country_code}: {request.state.value}", markup=False)
    print_table(
        None,
        ["line", "item", "requested", "approved"],
        [[x.id, x.item, x.quantity, x.approved_quantity] for x in request.lines],
    )


@request_app.command("create")
def create_request(
    ctx: typer.Context,
    organisation: str = typer.Option(..., "--organisation", help="Requesting organisation"),
    country: str = typer.Option(..., "--country"),
    line: list[str] = typer.Option(..., "--line", help="ITEM=QUANTITY (repeat)"),
    priority: Priority = typer.Option(Priority.NORMAL, "--priority"),
    needed_by: dt.datetime = typer.Option(None, "--needed-by", formats=DAY),
    point: str = typer.Option(None, "--emergency-point"),
    as_json: bool = JsonOption,
) -> None:
    """Draft a request."""
    context = get(ctx)
    lines: list[tuple[str, int]] = []
    for text in line:
        item, _, quantity = text.rpartition("=")
        if not item or not quantity.strip().lstrip("-").isdigit():
            raise typer.BadParameter(f"--line {text!r}: write ITEM=QUANTITY, e.g. VENT-ICU=10")
        lines.append((item, int(quantity)))
    with context.transaction() as session:
        request = requests.create_request(
            session,
            context.actor,
            organisation=organisation,
            country=country,
            lines=lines,
            priority=priority,
            needed_by=_day(needed_by),
            emergency_point=point,
        )
        public = RequestPublic.of(session, request)
    _print_request(public, as_json)


@request_app.command("move")
def move_request(
    ctx: typer.Context,
    request: int = typer.Argument(...),
    state: RequestState = typer.Argument(..., help="The next state"),
    reason: str = typer.Option(None, "--reason"),
    approve: list[str] = typer.Option([], "--approve", help="LINE=QUANTITY approved (repeat); others in full"),
    as_json: bool = JsonOption,
) -> None:
    """Move a request to its next state (submitted, approved, rejected, cancelled, closed ...)."""
    context = get(ctx)
    approved: dict[int, int] = {}
    for text in approve:
        line, _, quantity = text.partition("=")
        if not line.isdigit() or not quantity.isdigit():
            raise typer.BadParameter(f"--approve {text!r}: write LINE=QUANTITY, e.g. 3=40")
        approved[int(line)] = int(quantity)
    with context.transaction() as session:
        moved = requests.transition(session, context.actor, request, state, reason=reason, approved=approved)
        public = RequestPublic.of(session, moved)
    _print_request(public, as_json)


@request_app.command("list")
def list_requests(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """List requests, newest first."""
    context = get(ctx)
    with context.transaction() as session:
        rows = [RequestPublic.of(session, r) for r in requests.list_requests(session)]
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    data: list[list[Any]] = [
        [r.id, r.country_code, r.priority.value, r.state.value, sum(x.quantity for x in r.lines)] for r in rows
    ]
    print_table("Requests", ["id", "country", "priority", "state", "units"], data)
