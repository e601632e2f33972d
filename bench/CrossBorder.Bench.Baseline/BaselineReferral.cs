namespace CrossBorder.Bench.Baseline;

/// <summary>One stored body: the least a create endpoint can write.</summary>
public sealed class BaselineReferral
{
    public Guid Id { get; set; }

    /// <summary>The request body as received (jsonb).</summary>
    public required string Body { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
