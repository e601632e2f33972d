using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Features.Referrals;

/// <summary>Human references like <c>FR-5-2026-000123</c>: country, DubliNet type 5, year, sequence.</summary>
public static class ReferenceNumbers
{
    /// <summary>
    /// Takes the next number from a database sequence (gap-tolerant, never reused, safe across replicas).
    /// The sequence runs across years rather than restarting each January, which keeps it lock-free.
    /// </summary>
    public static async Task<string> NextAsync(NodeDbContext db, string country, DateTimeOffset now, CancellationToken ct)
    {
        var next = await db.Database.SqlQuery<long>($"SELECT nextval('reference_seq') AS \"Value\"").SingleAsync(ct);
        return $"{country}-5-{now.Year:D4}-{next:D6}";
    }
}
