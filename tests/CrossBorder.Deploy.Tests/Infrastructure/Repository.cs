namespace CrossBorder.Deploy.Tests.Infrastructure;

/// <summary>The repository these tests run in (the folder holding CrossBorder.sln).</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => System.IO.Path.Combine(Root, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "CrossBorder.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no CrossBorder.sln above {AppContext.BaseDirectory}");
    }
}
