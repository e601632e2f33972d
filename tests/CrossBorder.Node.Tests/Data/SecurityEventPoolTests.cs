using System.Security.Claims;
using System.Text;
using CrossBorder.Core.Audit;
using CrossBorder.Node.Audit;
using CrossBorder.Node.Data;
using CrossBorder.Node.Http;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenIddict.Abstractions;

namespace CrossBorder.Node.Tests.Data;

/// <summary>
/// A security event commits on a connection of its own. A step whose Idempotency-Key was used with another body learns
/// it inside its transaction; recording the event while that transaction still held its connection waited for a second
/// one, and with every pooled connection held so, until the pool's timeout (the same hold-and-wait as
/// <see cref="SidePoolTests"/>). The transaction ends first now (<see cref="NodeDbContext.RollBackBeforeOwnConnectionAsync"/>):
/// nothing of the refused request is written. A refused checkpoint (AuditWitness) and a refused transfer (PeerAttachments)
/// end theirs the same way; AuditTamperTests and AttachmentTransferTests run those paths.
/// </summary>
public sealed class SecurityEventPoolTests
{
    [Test]
    public async Task AKeyReusedWithAnotherBody_IsRefusedAndRecorded_WhenTheRequestsConnectionIsThePoolsLast()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await TestDatabase.CreateAsync("misusepool"))
        {
            MaxPoolSize = 1, Timeout = 2, // the step's transaction holds the only connection: a second waits 2 s, then fails
        }.ConnectionString;
        await using var services = new ServiceCollection().AddNodeData(connectionString)
            .AddSingleton(TimeProvider.System).AddScoped<AuditLog>().AddScoped<ISecurityEvents>(sp => sp.GetRequiredService<AuditLog>())
            .AddScoped<Idempotency>().BuildServiceProvider();
        const string client = "gb-ministry", key = "step-key-1";
        await using (var setup = services.CreateAsyncScope())
        {
            var db = setup.ServiceProvider.GetRequiredService<NodeDbContext>();
            await db.Database.MigrateAsync();
            db.IdempotencyRecords.Add(new IdempotencyRecord
            {
                ClientId = client, Key = key, RequestHash = "the first request's", StatusCode = 200, ResourceId = Guid.NewGuid(),
                CreatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }

        await using var scope = services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<NodeDbContext>();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Method = "POST";
        http.Request.Path = "/api/v1/referrals/0/steps/decision";
        http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(OpenIddictConstants.Claims.ClientId, client)], "test"));
        await using var transaction = await context.Database.BeginTransactionAsync(); // as TakeStep does
        var answer = await scope.ServiceProvider.GetRequiredService<Idempotency>().BeginAsync(http, new IdempotentRequest(client, key),
            Encoding.UTF8.GetBytes("""{"outcome":"REFUSE"}"""), _ => throw new AssertionException("not a replay"), CancellationToken.None);

        Assert.That(answer, Is.InstanceOf<ProblemHttpResult>());
        Assert.That(((ProblemHttpResult)answer!).StatusCode, Is.EqualTo(422));
        await using var check = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM audit_pending WHERE kind = $1 AND client_id = $2", check)
        {
            Parameters = { new() { Value = AuditKinds.SecurityIdempotencyMisuse }, new() { Value = client } },
        };
        Assert.That(await count.ExecuteScalarAsync(), Is.EqualTo(1L), "the misuse is in the audit log");
    }
}
