using CrossBorder.Node.Data;
using CrossBorder.Node.Exchange;
using CrossBorder.Node.Http;
using CrossBorder.Node.Workers;
namespace CrossBorder.Node.Referrals;

/// <summary>What every write of the ministry API uses, bound with <c>[AsParameters]</c>.</summary>
public sealed record WriteServices(NodeDbContext Db, Idempotency Idempotency, Outbox Outbox, CaseLifecycle Lifecycle,
    ReferralReader Reader, TimeProvider Time, WorkSignals Signals);
