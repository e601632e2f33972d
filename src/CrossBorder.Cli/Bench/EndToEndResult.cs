namespace CrossBorder.Cli.Bench;

/// <summary>
/// Referrals created at FR and carried to GB and back: <paramref name="Exchanges"/> creates answered
/// 201, FR held every receipt <paramref name="Elapsed"/> after the first create was sent.
/// </summary>
public sealed record EndToEndResult(int Exchanges, int FailedCreates, TimeSpan CreatePhase, TimeSpan Elapsed, long ReceivedAtPeer)
{
    public double ExchangesPerSecond => Elapsed > TimeSpan.Zero ? Exchanges / Elapsed.TotalSeconds : 0;
}
