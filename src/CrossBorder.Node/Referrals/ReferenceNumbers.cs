using CrossBorder.Node.Configuration;
using CrossBorder.Node.Data;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CrossBorder.Node.Referrals;

/// <summary>
/// Human references like <c>FR-5-2026-000123</c>: country, DubliNet type 5, year, number. Numbers come from
/// the database sequence <c>reference_seq</c> in blocks of <see cref="BlockSize"/> (the hi/lo pattern): each
/// replica takes a block on its own connection and hands it out from memory, so a create spends no round
/// trip on its number. Numbers are unique across replicas and never reused; a restart leaves a gap (the
/// rest of its block), and the sequence runs across years rather than restarting each January. A refill runs on a pool
/// of its own (<see cref="DataSetup.SidePool"/>): a peer's submission asks for a number inside its transaction.
/// </summary>
public sealed class ReferenceNumbers([FromKeyedServices(DataSetup.SidePool)] NpgsqlDataSource dataSource, IOptions<NodeOptions> node)
{
    /// <summary>Equal to the sequence's INCREMENT BY (see NodeDbContext).</summary>
    public const int BlockSize = NodeDbContext.ReferenceBlockSize;

    private readonly Lock _block = new();
    private readonly SemaphoreSlim _refill = new(1, 1);
    private long _next, _end;

    public async Task<string> NextAsync(DateTimeOffset now, CancellationToken ct)
    {
        while (true)
        {
            // The common case takes a number from the block in memory, without waiting on anything asynchronous.
            lock (_block)
            {
                if (_next < _end)
                    return Format(_next++, now);
            }

            await _refill.WaitAsync(ct);
            try
            {
                bool empty;
                lock (_block) empty = _next >= _end;
                if (empty) // not refilled by the caller that held the refill before this one
                {
                    await using var cmd = dataSource.CreateCommand($"SELECT nextval('{NodeDbContext.ReferenceSequence}')");
                    var first = (long)(await cmd.ExecuteScalarAsync(ct))!;
                    lock (_block)
                    {
                        _next = first;
                        _end = first + BlockSize;
                    }
                }
            }
            finally
            {
                _refill.Release();
            }
        }
    }

    private string Format(long number, DateTimeOffset now) => $"{node.Value.Country}-5-{now.Year:D4}-{number:D6}";
}
