namespace CrossBorder.Node.Http;

/// <summary>
/// Endpoint metadata: the endpoint never touches the database (it answers from memory), so it can never answer
/// 503 for a database outage (<see cref="DatabaseUnavailableHandler"/>). Every other operation declares that 503.
/// </summary>
public sealed class NoDatabase
{
    public static readonly NoDatabase Instance = new();
}
