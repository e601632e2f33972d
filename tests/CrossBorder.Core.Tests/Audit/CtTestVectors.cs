using CrossBorder.Core.Audit;

namespace CrossBorder.Core.Tests.Audit;

/// <summary>
/// The Certificate Transparency reference tree, copied from transparency-dev/merkle
/// proof/verify_test.go (the same data Trillian and certificate-transparency test against).
/// Go's inclusion vectors number leaves from 1; here indexes are 0-based like the API.
/// </summary>
public static class CtTestVectors
{
    public static readonly byte[][] Entries =
    [
        H(""), H("00"), H("10"), H("2021"), H("3031"), H("40414243"),
        H("5051525354555657"), H("606162636465666768696a6b6c6d6e6f"),
    ];

    public static readonly byte[][] LeafHashes = [.. Entries.Select(e => MerkleHash.Leaf(e))];

    /// <summary>Roots[n - 1] is the root of the tree of the first n entries.</summary>
    public static readonly string[] Roots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    public const string EmptyRoot = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>An arbitrary 32-byte value that is no node of the tree (Go's sha256SomeHash).</summary>
    public const string SomeHash = "abacaba000000000000000000000000000000000000000000060061e00123456";

    public sealed record Inclusion(long Index, long Size, string[] Path)
    {
        public override string ToString() => $"leaf {Index} of {Size}";
    }

    public sealed record Consistency(long FromSize, long ToSize, string[] Proof)
    {
        public override string ToString() => $"{FromSize} to {ToSize}";
    }

    public static readonly Inclusion[] InclusionProofs =
    [
        new(0, 1, []),
        new(0, 8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ]),
        new(5, 8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]),
        new(2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        new(1, 5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ]),
    ];

    public static readonly Consistency[] ConsistencyProofs =
    [
        new(1, 1, []),
        new(1, 8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ]),
        new(6, 8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]),
        new(2, 5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ]),
        new(6, 7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]),
    ];

    public static byte[] H(string hex) => Convert.FromHexString(hex);

    public static byte[][] H(IEnumerable<string> hex) => [.. hex.Select(H)];

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    public static string[] Hex(IEnumerable<byte[]> hashes) => [.. hashes.Select(Hex)];

    public static byte[] Root(long size) => H(Roots[size - 1]);
}
