using System.Reflection;

namespace CrossBorder.Node.Tests.Architecture;

/// <summary>
/// The rooms of <c>src/CrossBorder.Node</c> (docs/architecture.md) and their one-way arrows, read from the compiled
/// assembly: a room is the first namespace segment under <c>CrossBorder.Node</c>.
/// </summary>
public sealed class CapabilityGraphTests
{
    private static readonly Assembly Node = typeof(CrossBorder.Node.Data.NodeDbContext).Assembly;

    private static string? Room(Type type)
    {
        var ns = type.Namespace;
        if (ns is null || !ns.StartsWith("CrossBorder.Node.", StringComparison.Ordinal)) return null;
        return ns["CrossBorder.Node.".Length..].Split('.')[0];
    }

    private static Dictionary<string, Dictionary<string, SortedSet<string>>> Graph()
    {
        var graph = new Dictionary<string, Dictionary<string, SortedSet<string>>>();
        foreach (var type in Node.GetTypes())
        {
            var outer = type;
            while (outer.DeclaringType is not null) outer = outer.DeclaringType;
            if (Room(outer) is not { } from) continue;
            var edges = graph.TryGetValue(from, out var e) ? e : graph[from] = [];
            foreach (var used in TypeReferences.Of(type))
            {
                var target = used;
                while (target.DeclaringType is not null) target = target.DeclaringType;
                if (target.Assembly != Node || Room(target) is not { } to || to == from) continue;
                (edges.TryGetValue(to, out var why) ? why : edges[to] = []).Add($"{outer.Name} -> {target.Name}");
            }
        }
        // Constants are copied into the IL of their users, so the source's usings are read too.
        var source = Path.Combine(Contract.OpenApiDocumentTests.RepositoryRoot(), "src", "CrossBorder.Node");
        foreach (var file in Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file).Split(Path.DirectorySeparatorChar);
            if (relative.Length < 2 || relative[0] is "bin" or "obj") continue;
            var from = relative[0];
            var edges = graph.TryGetValue(from, out var e) ? e : graph[from] = [];
            foreach (var line in File.ReadLines(file))
                if (line.StartsWith("using CrossBorder.Node.", StringComparison.Ordinal) && line.TrimEnd(';').Split('.') is { Length: >= 3 } parts
                    && parts[2] != from)
                    (edges.TryGetValue(parts[2], out var why) ? why : edges[parts[2]] = []).Add($"{relative[^1]} uses {line.TrimEnd(';')[6..]}");
        }
        return graph;
    }

    [Test]
    public void NoRoomDependsOnTheCompositionRoot()
    {
        var offenders = Graph().Where(g => g.Key != "Hosting" && g.Value.ContainsKey("Hosting"))
            .Select(g => $"{g.Key}: {string.Join(", ", g.Value["Hosting"])}").ToList();
        Assert.That(offenders, Is.Empty, "Hosting/ composes the rooms; nothing may use it.");
    }

    [Test]
    public void ExchangeDoesNotKnowReferrals()
    {
        var graph = Graph();
        Assert.That(graph.ContainsKey("Exchange"), Is.True);
        Assert.That(graph["Exchange"].GetValueOrDefault("Referrals"), Is.Null.Or.Empty,
            "Exchange calls the cases through ICaseMessages, which Referrals implements.");
    }

    [Test]
    public void RoomsImportEachOtherOneWay()
    {
        var graph = Graph();
        var cycles = new List<string>();
        // Every pair of rooms that reach each other is a loop: name both directions' reasons.
        var rooms = graph.Keys.ToList();
        foreach (var a in rooms)
            foreach (var b in rooms.Where(b => string.CompareOrdinal(a, b) < 0))
                if (Reaches(graph, a, b) && Reaches(graph, b, a))
                    cycles.Add($"{a} <-> {b}: {Why(graph, a, b)} / {Why(graph, b, a)}");
        Assert.That(cycles, Is.Empty);
    }

    [Test]
    public void EveryRoomIsKnown()
    {
        // A new folder is a new room: add it to docs/architecture.md and here.
        string[] known = ["Audit", "Configuration", "Contract", "Data", "Deadlines", "Exchange", "Feed", "Health", "Hosting", "Http",
            "Identity", "Keys", "Peers", "Referrals", "Telemetry", "Workers", "Evidence", "Console", "Operations", "Attachments"];
        Assert.That(Graph().Keys.Except(known), Is.Empty);
    }

    private static bool Reaches(Dictionary<string, Dictionary<string, SortedSet<string>>> graph, string from, string to)
    {
        var seen = new HashSet<string>();
        var queue = new Queue<string>([from]);
        while (queue.TryDequeue(out var room))
            foreach (var next in graph.GetValueOrDefault(room)?.Keys ?? Enumerable.Empty<string>())
            {
                if (next == to) return true;
                if (seen.Add(next)) queue.Enqueue(next);
            }
        return false;
    }

    private static string Why(Dictionary<string, Dictionary<string, SortedSet<string>>> graph, string from, string to) =>
        graph[from].TryGetValue(to, out var direct) ? string.Join(", ", direct.Take(4)) : $"{from} reaches {to} through other rooms";

    [Test, Explicit("Prints the room graph")]
    public void PrintGraph()
    {
        foreach (var (from, edges) in Graph().OrderBy(g => g.Key))
            foreach (var (to, why) in edges.OrderBy(e => e.Key))
                TestContext.Out.WriteLine($"{from} -> {to}: {string.Join(", ", why.Take(6))}{(why.Count > 6 ? $" (+{why.Count - 6})" : "")}");
    }
}
