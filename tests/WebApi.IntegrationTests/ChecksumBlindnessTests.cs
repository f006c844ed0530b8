using System.Globalization;
using System.Net;
using System.Text;
using Migration.Domain;
using Migration.Domain.Inconsistencies;
using Migration.WebApi.IntegrationTests.Infrastructure;

namespace Migration.WebApi.IntegrationTests;

/// <summary>
/// The chunk checksum (an XOR of row checksums) must see every change that leaves a chunk's rows holding the same
/// values under other keys: two rows that swap every compared column, three that rotate them, two equal rows that
/// both change to another equal pair. The groups are random, plus keys crafted against a checksum whose row weight
/// comes from the key alone (<see cref="OldWeight"/>: keys of equal weight made all of these invisible). Each group
/// sits alone in its chunk, so the chunk comparison itself has to find it, not the row comparison of a chunk that
/// something else made differ.
/// </summary>
public sealed class ChecksumBlindnessTests(MariaDbFixture mariaDb)
{
    private const string Table = "blind";

    /// <summary>One slot per group; the id range is cut so that each group starts a segment of its own.</summary>
    private const long Slot = 1L << 44;

    /// <summary>The widest spread of keys inside a group: well below the narrowest chunk the geometry below allows.</summary>
    private const long MaxSpread = 1L << 35;

    /// <summary>The first slot; slot 8 is [0, Slot), which holds the crafted pair (2, 244002643).</summary>
    private const long Base = -8 * Slot;

    private enum Change
    {
        /// <summary>The rows exchange every compared column.</summary>
        Swap,

        /// <summary>Each row takes the values of the next one, the last those of the first.</summary>
        Rotate,

        /// <summary>The rows hold equal values on each side, different ones on the other side.</summary>
        Duplicate,
    }

    private sealed record Group(Change Change, long[] Keys, string Why);

    /// <summary>
    /// The row weight of the previous checksum, <c>CRC32(values) × weight(id)</c>: the key folded to 32 bits, times an
    /// odd constant, low 32 bits, made odd. Keys of equal weight (2 and 244002643, or any two keys with equal
    /// <c>id ^ (id &gt;&gt; 32)</c>) could swap their values unseen.
    /// </summary>
    private static ulong OldWeight(long key)
    {
        var u = unchecked((ulong)key);
        var folded = (u ^ (u >> 32)) & 0xFFFF_FFFF;
        return ((folded * 2_654_435_761) & 0xFFFF_FFFF) | 1;
    }

    /// <summary>A key near <paramref name="key"/> (same high half) whose <see cref="OldWeight"/> is the same.</summary>
    private static long OldWeightTwin(long key)
    {
        // weight(x) = (x·C mod 2^32) | 1, so x and x + C⁻¹ (or x − C⁻¹) share it when x·C is even (odd).
        const ulong C = 2_654_435_761;
        var inverse = 1UL;
        for (var i = 0; i < 5; i++)
        {
            inverse *= 2 - (C * inverse); // Newton's iteration for the inverse modulo 2^64
        }

        var u = unchecked((ulong)key);
        var (high, folded) = (u >> 32, (u ^ (u >> 32)) & 0xFFFF_FFFF);
        var twin = ((folded * C) & 1) == 0 ? (folded + inverse) & 0xFFFF_FFFF : (folded - inverse) & 0xFFFF_FFFF;
        var result = unchecked((long)((high << 32) | (twin ^ high)));
        Assert.Equal(OldWeight(key), OldWeight(result));
        return result;
    }

    private static List<Group> Groups(Random random)
    {
        // Where a group starts: early in its slot, with room below for a twin whose low half is smaller.
        long Origin(int slot) => Base + (slot * Slot) + (1L << 36) + random.NextInt64(1L << 38);
        long Near(long key) => key + 1 + random.NextInt64(MaxSpread - 1);
        long FoldTwin(long key, long t) => key ^ ((t << 32) | t); // equal id ^ (id >> 32), so equal old weight

        var groups = new List<Group>();
        void Add(int slot, Change change, string why, Func<long, long[]> keys) => groups.Add(new Group(change, keys(Origin(slot)), why));

        for (var slot = 0; slot < 48; slot++)
        {
            switch (slot)
            {
                case 8:
                    groups.Add(new Group(Change.Swap, [2, 244_002_643], "the pair named in the issue: equal old weights"));
                    break;
                case < 8:
                    // Negative keys, random pairs and one structured pair each.
                    Add(slot, slot % 2 == 0 ? Change.Swap : Change.Rotate, "random, negative", k => slot % 2 == 0 ? [k, Near(k)] : [k, Near(k), Near(k)]);
                    break;
                case < 18:
                    Add(slot, Change.Swap, "equal old weights (low halves differ)", k => [k, OldWeightTwin(k)]);
                    break;
                case < 22:
                    Add(slot, Change.Swap, "equal old weights (both halves differ)", k => [k, FoldTwin(k, slot - 17)]);
                    break;
                case < 26:
                    Add(slot, Change.Duplicate, "equal old weights, equal values", k => [k, OldWeightTwin(k)]);
                    break;
                case < 30:
                    Add(slot, Change.Rotate, "equal old weights, three rows", k => [k, FoldTwin(k, 1), FoldTwin(k, 2)]);
                    break;
                case 30:
                    Add(slot, Change.Swap, "neighbouring keys", k => [k, k + 1]);
                    break;
                case 31:
                    Add(slot, Change.Swap, "keys one bit apart in the high half", k => [k, k ^ (1L << 32)]);
                    break;
                case 32:
                    Add(slot, Change.Duplicate, "neighbouring keys, equal values", k => [k, k + 1]);
                    break;
                case 33:
                    Add(slot, Change.Rotate, "neighbouring keys, three rows", k => [k, k + 1, k + 2]);
                    break;
                default:
                    Add(slot, slot % 3 == 0 ? Change.Rotate : slot % 3 == 1 ? Change.Duplicate : Change.Swap, "random",
                        k => slot % 3 == 0 ? [k, Near(k), Near(k)] : [k, Near(k)]);
                    break;
            }
        }

        return groups;
    }

    [Fact]
    public async Task FullRunByChecksums_RowsSwappingRotatingOrDuplicatingValuesAloneInTheirChunk_AreAllReported()
    {
        var seed = Random.Shared.Next();
        var random = new Random(seed);
        var groups = Groups(random);
        var databases = await MariaDbTestDatabases.CreateAsync(await mariaDb.GetServerAsync());
        await using var api = new MigrationApi(databases, settings: new Dictionary<string, string?>
        {
            ["Migration:Table"] = Table,
            ["Migration:Seed:Enabled"] = "false",
            ["Migration:Validation:ChunkRows"] = "1",
        });

        string Values() => string.Create(CultureInfo.InvariantCulture,
            $"'{Convert.ToHexString(BitConverter.GetBytes(random.NextInt64()))}', {random.Next(100_000)}.{random.Next(100):D2}, {1_700_000_000_000 + random.Next()}");
        var source = new List<(long Id, string Values)>();
        var target = new List<(long Id, string Values)>();
        foreach (var group in groups)
        {
            var keys = group.Keys;
            var values = group.Change == Change.Duplicate ? [Values(), Values()] : keys.Select(_ => Values()).ToArray();
            for (var i = 0; i < keys.Length; i++)
            {
                source.Add((keys[i], group.Change == Change.Duplicate ? values[0] : values[i]));
                target.Add((keys[i], group.Change switch
                {
                    Change.Duplicate => values[1],
                    Change.Swap => values[1 - i],
                    _ => values[(i + 1) % keys.Length],
                }));
            }

            // An equal row in another chunk of the group's segment: the segment stays mostly equal, so its chunks are compared.
            var anchor = (keys.Min() + (Slot / 30), Values());
            source.Add(anchor);
            target.Add(anchor);
        }

        // Equal rows after the last group, so many that a chunk is about Slot / 96 ids wide: wider than any group,
        // and a 32-chunk segment narrower than the gap between two groups.
        var rows = 96 * (groups.Count + 1);
        var fillers = Enumerable.Range(0, rows - source.Count).Select(i => (Id: Base + ((groups.Count + 1) * Slot) + i, Values: "'filler', 1.00, 1")).ToArray();
        foreach (var (side, sideRows) in new[] { (Direction.Src, source), (Direction.Dst, target) })
        {
            await databases.ExecuteAsync(side, $"CREATE TABLE {Table} (id BIGINT NOT NULL PRIMARY KEY, txt VARCHAR(40) NOT NULL, amount DECIMAL(12,2) NOT NULL, utime BIGINT NOT NULL)");
            var insert = new StringBuilder($"INSERT INTO {Table} (id, txt, amount, utime) VALUES ");
            insert.AppendJoin(", ", sideRows.Concat(fillers).Select(r => string.Create(CultureInfo.InvariantCulture, $"({r.Id}, {r.Values})")));
            await databases.ExecuteAsync(side, insert.ToString());
            await databases.ExecuteAsync(side, $"ANALYZE TABLE {Table}");
        }

        // The geometry rests on the engine's row estimate, from which the run sizes its chunks: check it holds.
        foreach (var side in new[] { Direction.Src, Direction.Dst })
        {
            await using var connection = await databases.OpenAsync(side);
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{Table}'";
            Assert.InRange(Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), CultureInfo.InvariantCulture), rows / 2, rows * 2);
        }

        var response = await api.CreateClient().PostAsync("/migrator/full/start", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var status = await api.WaitForStatusAsync(s => s.Full?.Status is "completed" or "failed" && MigrationApi.Drained(s), seconds: 60);

        Assert.Equal("completed", status.Full!.Status);
        var found = api.Publisher.IdsOf(InconsistencyType.Neq);
        var missed = groups.Where(g => !g.Keys.All(found.Contains)).Select(g => $"{g.Change} [{string.Join(", ", g.Keys)}] ({g.Why})").ToArray();
        Assert.True(missed.Length == 0, $"seed {seed}: {missed.Length} of {groups.Count} groups not reported:\n{string.Join("\n", missed)}");
        Assert.Equal(groups.SelectMany(g => g.Keys).ToHashSet(), found);
        Assert.Equal(found.Count, api.Publisher.Published.Count);
    }
}
