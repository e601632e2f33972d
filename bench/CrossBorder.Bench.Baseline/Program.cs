using System.Text.Json;
using CrossBorder.Bench.Baseline;
using Microsoft.EntityFrameworkCore;
using Npgsql;

// A throwaway floor for `crossborder bench write`: the same host defaults as the node (WebApplication,
// Kestrel's 2 MB body limit, an NpgsqlDataSource behind a scoped DbContext), none of its work.
// Config: ConnectionStrings:Baseline (e.g. env ConnectionStrings__Baseline) and --urls.
var builder = WebApplication.CreateBuilder(args);
var connectionString = builder.Configuration.GetConnectionString("Baseline")
    ?? throw new InvalidOperationException("ConnectionStrings:Baseline is required.");
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
builder.Services.AddDbContext<BaselineDbContext>((sp, o) => o.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));
builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = 2 * 1024 * 1024);

var app = builder.Build();

app.MapPost("/referrals", async (JsonElement body, BaselineDbContext db, TimeProvider clock, CancellationToken ct) =>
{
    var row = new BaselineReferral { Id = Guid.CreateVersion7(), Body = body.GetRawText(), CreatedAt = clock.GetUtcNow() };
    db.Referrals.Add(row);
    await db.SaveChangesAsync(ct);
    return TypedResults.Created($"/referrals/{row.Id}", new { id = row.Id });
});

app.MapGet("/health/ready", async (BaselineDbContext db, CancellationToken ct) =>
    await db.Database.CanConnectAsync(ct) ? Results.Ok() : Results.StatusCode(StatusCodes.Status503ServiceUnavailable));

await using (var scope = app.Services.CreateAsyncScope())
{
    // A throwaway table in a throwaway database: no migrations for the baseline.
    await scope.ServiceProvider.GetRequiredService<BaselineDbContext>().Database.ExecuteSqlRawAsync(BaselineDbContext.CreateTableSql);
}

await app.RunAsync();
