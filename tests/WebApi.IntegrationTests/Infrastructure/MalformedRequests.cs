using System.Globalization;
using System.Text;

namespace Migration.WebApi.IntegrationTests.Infrastructure;

/// <summary>One request no endpoint may accept, and what is wrong with it.</summary>
/// <param name="Endpoint">The endpoint it aims at, as <c>METHOD route-template</c>.</param>
/// <param name="Kind">What is wrong with it.</param>
/// <param name="Body">Null for a request without content.</param>
/// <param name="ContentType">The raw <c>Content-Type</c> header; null for none.</param>
/// <param name="Anonymous">Sent without an API key.</param>
internal sealed record MalformedRequest(
    string Endpoint, string Kind, string Method, string Path, byte[]? Body, string? ContentType, bool Anonymous)
{
    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(new HttpMethod(Method), Path);
        if (Body is not null)
        {
            message.Content = new ByteArrayContent(Body);
            if (ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
        }

        return message;
    }

    public override string ToString()
    {
        var path = Path.Length > 120 ? $"{Path[..120]}… ({Path.Length} chars)" : Path;
        var body = Body is null ? "no content"
            : $"{Body.Length} bytes «{Printable(Body.AsSpan(0, Math.Min(Body.Length, 120)))}{(Body.Length > 120 ? "…" : "")}»";
        return $"{Method} {path} [{Kind}{(Anonymous ? ", no key" : "")}] {ContentType ?? "no content type"}, {body}";
    }

    private static string Printable(ReadOnlySpan<byte> bytes) =>
        string.Concat(Encoding.UTF8.GetString(bytes).Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));
}

/// <summary>
/// Generates malformed requests for every endpoint of the API that takes input, deterministically from a seed. Each
/// request is wrong by construction (a broken or mistyped body, a value out of range, a missing or unknown field, a
/// bad route or query value, a wrong content type or method, an oversized body, or a user that does not exist), so
/// none may succeed or change anything. The generator cycles through every (endpoint, kind) pair, so a run of a few
/// hundred requests covers them all; the payload of each is drawn at random.
/// </summary>
internal sealed class MalformedRequestGenerator
{
    private const int Megabyte = 1024 * 1024;

    private static readonly string[] _wrongContentTypes =
    [
        "text/plain", "text/plain; charset=utf-8", "application/xml", "text/html", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz", "application/octet-stream", "application/json; charset=utf-16",
        "application/json; charset=no-such-charset", "application/jsonx", "image/png", "*/*", "application", "application/",
    ];

    private static readonly string[] _badForceValues =
    [
        "maybe", "yes", "no", "1", "0", "-1", "on", "off", "truee", "tru", "t", "f", "null", "undefined", "[true]", "{}",
        "\"true\"", "true,false", "ｔｒｕｅ", "true!", "%", "", "1e3", "falsetrue",
    ];

    /// <summary>
    /// Not integers for a route value or a query parameter. No <c>0x10</c> or <c>#10</c>: MVC binds query values
    /// through the type converter, which reads them as hexadecimal (the <c>long</c> route constraint does not).
    /// </summary>
    private static readonly string[] _badLongs =
    [
        "abc", "1.5", "99999999999999999999", "9223372036854775808", "-9223372036854775809", "1e3", "--1", "12abc", "١٢٣", "１２",
        "NaN", "Infinity", "+-1", "1_000", "1,000", "0b101",
    ];

    private readonly Random _random;
    private readonly (string Endpoint, string Method, (string Kind, Func<Random, Draft> Make)[] Kinds)[] _endpoints;

    /// <param name="seed">The same seed gives the same requests.</param>
    /// <param name="existingIds">Ids of users that exist; bodies sent to them are always malformed.</param>
    public MalformedRequestGenerator(int seed, long existingIds)
    {
        _random = new Random(seed);
        string ExistingUser(Random r) => $"/api/users/{r.NextInt64(1, existingIds + 1)}";

        var incr = new BodyShape(
        [
            new("utime", FieldType.Integer, Required: true, "0",
                ["-1", "-9223372036854775808", "9223372036854775807", "4102444800000", "99999999999999999999", "1.5", "1e3", "-0.5"]),
            new("interval", FieldType.Integer, Required: true, "500",
                ["0", "-10", "-0", "3600001", "9223372036854775807", "2147483648000", "1.5", "1e2", "99999999999999999999"]),
            new("resume", FieldType.Boolean, Required: false, "false", []),
            new("maxRowsPerSecond", FieldType.Integer, Required: false, "1000",
                ["-1", "100000001", "9223372036854775807", "1.5", "99999999999999999999", "-9223372036854775809"]),
            new("repair", FieldType.Boolean, Required: false, "false", []),
        ], Optional: false, Template: ["utime", "interval"]);
        var full = new BodyShape(
        [
            new("resume", FieldType.Boolean, Required: false, "false", []),
            new("maxRowsPerSecond", FieldType.Integer, Required: false, "1000",
                ["-1", "-5", "100000001", "9223372036854775807", "1.5", "99999999999999999999", "1e400"]),
            new("repair", FieldType.Boolean, Required: false, "false", []),
        ], Optional: true, Template: ["maxRowsPerSecond"]);
        var user = new BodyShape(
        [
            new("name", FieldType.Text, Required: true, "\"Robust Tester\"", ["\"\"", Quoted(new string('n', 101)), Quoted(new string('n', 10_000))]),
            new("email", FieldType.Text, Required: true, "\"robust@example.com\"",
                ["\"\"", "\"not an address\"", "\"@\"", Quoted(new string('e', 195) + "@example.com"), "\"a@\""]),
            new("age", FieldType.Integer, Required: true, "30",
                ["-1", "151", "2147483648", "-2147483649", "1.5", "99999999999999999999", "1e2", "1E400"]),
            new("balance", FieldType.Decimal, Required: true, "10.50",
                ["0.001", "-0.001", "12345678901", "-12345678901", "1e30", "79228162514264337593543950336", "1e-30", "1e400", "0.12345678901234567890123456789"]),
        ], Optional: false, Template: ["name", "email", "age", "balance"]);
        var line = new BodyShape(
        [
            new("sku", FieldType.Text, Required: true, "\"SKU-1\"", ["\"\"", Quoted(new string('s', 41)), Quoted(new string('s', 10_000)), "\"a\\u0000b\"", "\"a\\nb\""]),
            new("qty", FieldType.Integer, Required: true, "2", ["0", "-1", "1000001", "2147483648", "-2147483649", "1.5", "99999999999999999999", "1e2"]),
            new("price", FieldType.Decimal, Required: true, "19.90",
                ["0.001", "-0.01", "12345678901", "1e30", "79228162514264337593543950336", "1e-30", "1e400", "0.12345678901234567890123456789"]),
        ], Optional: false, Template: ["sku", "qty", "price"]);
        var transfer = new BodyShape(
        [
            new("from", FieldType.Integer, Required: true, "1", ["0", "-1", "-9223372036854775808", "1.5", "99999999999999999999"]),
            new("to", FieldType.Integer, Required: true, "2", ["0", "-5", "1", "9223372036854775808", "2.5"]),
            new("amount", FieldType.Decimal, Required: true, "0.01", ["0", "-1", "-0.01", "0.001", "12345678901", "1e30", "1e400"]),
        ], Optional: false, Template: ["from", "to", "amount"]);

        var replay = new BodyShape(
        [
            new("ids", FieldType.IntegerList, Required: false, "[1]",
                ["[]", "[0]", "[-1]", "[1,-9223372036854775808]", $"[{string.Join(',', Enumerable.Range(1, 1_001))}]"]),
        ], Optional: true, Template: ["ids"]);

        // Every mutation of {"run": <an unknown run>} is refused; the template itself would repair nothing.
        var repair = new BodyShape(
        [
            new("run", FieldType.Text, Required: false, Quoted(Guid.NewGuid().ToString()),
                ["\"\"", "\"not-a-run\"", "\"1234\"", Quoted(new string('f', 37)), "\"{00000000-0000-0000-0000-00000000000}\""]),
            new("table", FieldType.Text, Required: false, "\"users\"", ["\"\"", Quoted(new string('t', 129))]),
            new("type", FieldType.Text, Required: false, "\"neq\"", ["\"\"", "\"NEQ\"", "\"missing\"", "\"target-missing\""]),
            new("outcome", FieldType.Text, Required: false, "\"pending\"", ["\"\"", "\"repaired\"", "\"gone\"", "\"dead-letter\"", "\"open\""]),
            new("keys", FieldType.IntegerList, Required: false, "[1]", ["[]", $"[{string.Join(',', Enumerable.Range(1, 1_001))}]"]),
            new("winner", FieldType.Text, Required: false, "\"SRC\"", ["\"\"", "\"src\"", "\"BOTH\"", "\"source\""]),
        ], Optional: false, Template: ["run"]);
        string[] badRuns = ["not-a-guid", "1", "0", "-1", "{}", "00000000-0000-0000-0000", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", "%20"];

        _endpoints =
        [
            ("POST migrator/incr/start", "POST", BodyKinds(_ => "/migrator/incr/start", incr)),
            ("POST migrator/full/start", "POST", BodyKinds(_ => "/migrator/full/start", full)),
            .. new[] { "src_only", "src_first", "dst_first", "dst_only" }.Select(p => ($"POST migrator/{p}", "POST", SwitchKinds($"/migrator/{p}"))),
            ("GET api/users", "GET", ListKinds()),
            ("GET migrator/conflicts", "GET", QueryKinds("/migrator/conflicts",
                ("status", ["closed", "OPEN", "open,all", "1"]), ("limit", [.. _badLongs, "0", "1001"]), ("before", [.. _badLongs, "0", "-5"]))),
            ("GET migrator/cutover", "GET", QueryKinds("/migrator/cutover", ("to", ["src", "dst-first", "SRC_ONLY", "dst_first2"]))),
            ("GET api/users/{id:long}", "GET", IdKinds()),
            ("DELETE api/users/{id:long}", "DELETE", IdKinds()),
            ("POST api/users", "POST", BodyKinds(_ => "/api/users", user)),
            ("PUT api/users/{id:long}", "PUT",
            [
                .. BodyKinds(ExistingUser, user),
                ("bad route value", r => new Draft($"/api/users/{BadRouteValue(r)}", Json(Valid(user)), "application/json")),
                ("unknown user", r => new Draft($"/api/users/{UnknownId(r)}", Json(Valid(user)), "application/json")),
            ]),
            ("GET api/orders/{orderId:long}/lines", "GET",
            [
                .. QueryKinds("/api/orders/7/lines", ("afterLineNo", [.. _badLongs, "-1", "2147483648"]), ("limit", [.. _badLongs, "0", "-1", "1001", "2147483648"])),
                ("bad route value", r => new Draft($"/api/orders/{BadKeyPart(r, "0")}/lines", null, null)),
            ]),
            ("GET api/orders/{orderId:long}/lines/{lineNo:int}", "GET", LineKinds()),
            ("DELETE api/orders/{orderId:long}/lines/{lineNo:int}", "DELETE", LineKinds()),
            ("PUT api/orders/{orderId:long}/lines/{lineNo:int}", "PUT",
            [
                .. BodyKinds(r => $"/api/orders/{r.NextInt64(1, 1_000)}/lines/{r.Next(1, 100)}", line),
                ("bad route value", r => new Draft(BadLinePath(r), Json(Valid(line)), "application/json")),
            ]),
            ("GET migrator/dead-letters", "GET", QueryKinds("/migrator/dead-letters",
                ("before", [.. _badLongs, "0", "-1", "-9223372036854775808"]), ("limit", [.. _badLongs, "0", "-1", "1001", "2147483648", "-2147483649"]))),
            ("POST migrator/dead-letters/retry", "POST", BodyKinds(_ => "/migrator/dead-letters/retry", replay)),
            ("GET migrator/inconsistencies", "GET", QueryKinds("/migrator/inconsistencies",
                ("run", badRuns), ("type", ["NEQ", "missing", "neq,base_missing", "1"]), ("outcome", ["done", "PENDING", "dead_letter", "open"]),
                ("after", [.. _badLongs, "0", "-1"]), ("limit", [.. _badLongs, "0", "-1", "1001", "2147483648"]),
                ("table", [new string('t', 129)]))),
            ("POST migrator/inconsistencies/repair", "POST", BodyKinds(_ => "/migrator/inconsistencies/repair", repair)),
            ("GET migrator/runs", "GET", QueryKinds("/migrator/runs",
                ("limit", [.. _badLongs, "0", "-1", "1001", "2147483648"]), ("before", [.. _badLongs, "0", "-1"]))),
            ("GET migrator/runs/{id}", "GET",
            [
                ("bad route value", r => new Draft($"/migrator/runs/{Uri.EscapeDataString(Pick(r, badRuns))}", null, null)),
                ("unknown run", _ => new Draft($"/migrator/runs/{Guid.NewGuid()}", null, null)),
            ]),
            ("GET migrator/runs/{id}/fix.sql", "GET",
            [
                ("bad route value", r => new Draft($"/migrator/runs/{Uri.EscapeDataString(Pick(r, badRuns))}/fix.sql", null, null)),
                ("unknown run", _ => new Draft($"/migrator/runs/{Guid.NewGuid()}/fix.sql", null, null)),
            ]),
            ("POST api/users/transfers", "POST",
            [
                .. BodyKinds(_ => "/api/users/transfers", transfer),
                ("unknown user", r => new Draft("/api/users/transfers",
                    Json($$"""{"from":{{UnknownId(r, positive: true)}},"to":{{(r.Next(2) == 0 ? "1" : UnknownId(r, positive: true))}},"amount":"""
                        + """0.01}"""), "application/json")),
            ]),
        ];

        // A method no endpoint maps, on each path: 405.
        for (var i = 0; i < _endpoints.Length; i++)
        {
            var kinds = _endpoints[i].Kinds;
            _endpoints[i].Kinds = [.. kinds, ("wrong method", r => kinds[r.Next(kinds.Length)].Make(r) with { Method = r.Next(2) == 0 ? "PATCH" : "PROPFIND" })];
        }
    }

    private enum FieldType
    {
        Integer,
        Decimal,
        Boolean,
        Text,
        IntegerList,
    }

    /// <summary>The endpoints the generator covers, as <c>METHOD route-template</c>.</summary>
    public IReadOnlyCollection<string> Endpoints => [.. _endpoints.Select(e => e.Endpoint)];

    /// <summary>Every (endpoint, kind) pair the generator knows.</summary>
    public IReadOnlyCollection<(string Endpoint, string Kind)> Pairs => [.. _endpoints.SelectMany(e => e.Kinds.Select(k => (e.Endpoint, k.Kind)))];

    /// <summary><paramref name="count"/> requests, cycling through every (endpoint, kind) pair in a shuffled order; about one in eight without a key.</summary>
    public IEnumerable<MalformedRequest> Generate(int count)
    {
        var pairs = _endpoints.SelectMany(e => e.Kinds.Select(k => (e.Endpoint, e.Method, k.Kind, k.Make))).ToArray();
        for (var produced = 0; produced < count;)
        {
            _random.Shuffle(pairs);
            foreach (var (endpoint, method, kind, make) in pairs.Take(count - produced))
            {
                var draft = make(_random);
                produced++;
                yield return new MalformedRequest(endpoint, kind, draft.Method ?? method, draft.Path, draft.Body, draft.ContentType, Anonymous: _random.Next(8) == 0);
            }
        }
    }

    private static (string Kind, Func<Random, Draft> Make)[] BodyKinds(Func<Random, string> path, BodyShape shape)
    {
        List<(string, Func<Random, Draft>)> kinds =
        [
            ("bad JSON", r => new Draft(path(r), BrokenJson(r, shape), "application/json")),
            ("wrong type", r =>
            {
                if (r.Next(4) == 0)
                {
                    string[] tops = ["[]", "[{}]", "5", "\"text\"", "true", "[" + Valid(shape) + "]", .. shape.Optional ? Array.Empty<string>() : ["null"]];
                    return new Draft(path(r), Json(Pick(r, tops)), "application/json");
                }

                var field = Pick(r, shape.Fields);
                return new Draft(path(r), Json(With(shape, field.Name, WrongType(r, field))), "application/json");
            }),
            ("out-of-range or overflowing value", r =>
            {
                var field = Pick(r, shape.Fields.Where(f => f.Invalid.Length > 0 || f.Type is FieldType.Integer or FieldType.Decimal).ToArray());
                return new Draft(path(r), Json(With(shape, field.Name, HugeOrInvalid(r, field))), "application/json");
            }),
            ("extra field", r => new Draft(path(r), Json(With(shape, UnknownName(r), Pick(r, ["1", "\"x\"", "null", "true", "{}", "[]"]))), "application/json")),
            ("deeply nested JSON", r =>
            {
                var depth = Pick(r, [33, 65, 1_000, 100_000]);
                var nested = r.Next(2) == 0 ? new string('[', depth) + new string(']', depth) : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
                return new Draft(path(r), Json(r.Next(3) == 0 ? nested : With(shape, Pick(r, shape.Fields).Name, nested)), "application/json");
            }),
            ("oversized body", r => new Draft(path(r), Oversized(r, shape), "application/json")),
            ("wrong content type", r => new Draft(path(r), Json(Valid(shape)), r.Next(6) == 0 ? null : Pick(r, _wrongContentTypes))),
            ("random bytes", r =>
            {
                var bytes = new byte[r.Next(1, 8_192)];
                r.NextBytes(bytes);
                bytes[0] = (byte)(0x80 | bytes[0]); // never a JSON token, nor whitespace: not even an empty body
                return new Draft(path(r), bytes, r.Next(4) == 0 ? Pick(r, _wrongContentTypes) : "application/json");
            }),
        ];
        if (shape.Fields.Any(f => f.Required))
        {
            kinds.Add(("missing field", r =>
            {
                var required = shape.Fields.Where(f => f.Required).ToArray();
                var removed = required.Where(_ => r.Next(2) == 0).Select(f => f.Name).DefaultIfEmpty(Pick(r, required).Name).ToHashSet();
                return new Draft(path(r), Json(ObjectOf(shape.Template.Where(n => !removed.Contains(n)).Select(n => (n, shape[n].Valid)))), "application/json");
            }));
        }

        if (!shape.Optional)
        {
            kinds.Add(("empty body", r => Pick(r,
            [
                new Draft(path(r), [], "application/json"),
                new Draft(path(r), null, null),
                new Draft(path(r), Json("  \r\n\t "), "application/json"),
                new Draft(path(r), [], "text/plain"),
            ])));
        }

        return [.. kinds];
    }

    private static (string Kind, Func<Random, Draft> Make)[] SwitchKinds(string path) =>
    [
        ("bad query value", r => new Draft($"{path}?{(r.Next(5) == 0 ? "Force" : "force")}={Uri.EscapeDataString(Pick(r, _badForceValues))}", null, null)),
        ("bad query value with a body", r => new Draft($"{path}?force={Uri.EscapeDataString(Pick(r, _badForceValues))}",
            Json(Pick(r, ["{\"force\":true}", "not json", "{}", "[" + new string('[', 1_000)])), Pick(r, ["application/json", "text/plain"]))),
        ("oversized query value", r => new Draft($"{path}?force={new string('t', r.Next(8_000, 64_000))}", null, null)),
        ("oversized body", r => new Draft($"{path}?force=maybe", Json(new string(' ', r.Next(Megabyte, 4 * Megabyte)) + "{}"), "application/json")),
    ];

    private static (string Kind, Func<Random, Draft> Make)[] ListKinds() =>
    [
        ("bad query value", r =>
        {
            string[] badAfter = [.. _badLongs, "-1", "-9223372036854775808"];
            string[] badLimit = [.. _badLongs, "0", "-1", "1001", "2147483648", "-2147483649"];
            var query = Pick(r,
            [
                $"afterId={Uri.EscapeDataString(Pick(r, badAfter))}",
                $"limit={Uri.EscapeDataString(Pick(r, badLimit))}",
                $"afterId={Uri.EscapeDataString(Pick(r, badAfter))}&limit={r.Next(1, 1_001)}",
                $"afterId={r.Next(0, 100)}&limit={Uri.EscapeDataString(Pick(r, badLimit))}",
            ]);
            return new Draft($"/api/users?{query}", null, null);
        }),
        ("oversized query value", r => new Draft($"/api/users?limit={new string('9', r.Next(8_000, 64_000))}", null, null)),
    ];

    /// <summary>One bad value of one of the endpoint's query parameters.</summary>
    private static (string Kind, Func<Random, Draft> Make)[] QueryKinds(string path, params (string Name, string[] Bad)[] parameters) =>
    [
        ("bad query value", r =>
        {
            var (name, bad) = parameters[r.Next(parameters.Length)];
            return new Draft($"{path}?{name}={Uri.EscapeDataString(Pick(r, bad))}", null, null);
        }),
        ("oversized query value", r => new Draft($"{path}?{parameters[0].Name}={new string('x', r.Next(8_000, 64_000))}", null, null)),
    ];

    private static (string Kind, Func<Random, Draft> Make)[] IdKinds() =>
    [
        ("bad route value", r => new Draft($"/api/users/{BadRouteValue(r)}", null, null)),
        ("unknown user", r => new Draft($"/api/users/{UnknownId(r)}", null, null)),
    ];

    /// <summary>An order line's path with a bad order id or line number (not a number, out of range, or not positive).</summary>
    private static (string Kind, Func<Random, Draft> Make)[] LineKinds() =>
    [
        ("bad route value", r => new Draft(BadLinePath(r), null, null)),
        ("unknown line", r => new Draft($"/api/orders/{r.NextInt64(1, long.MaxValue)}/lines/{r.Next(1, int.MaxValue)}", null, null)),
    ];

    private static string BadLinePath(Random r) => r.Next(2) == 0
        ? $"/api/orders/{BadKeyPart(r, "0", "-1")}/lines/{r.Next(1, 100)}"
        : $"/api/orders/{r.NextInt64(1, 1_000)}/lines/{BadKeyPart(r, "0", "-5", "2147483648", "-2147483649")}";

    /// <summary>A route value that is no positive key part: not a number, or one of <paramref name="outOfRange"/>.</summary>
    private static string BadKeyPart(Random r, params string[] outOfRange) => r.Next(3) == 0 ? Pick(r, outOfRange) : BadRouteValue(r);

    private static string BadRouteValue(Random r) => Pick(r,
    [
        // No %00: the test server's client refuses a path with a null character before sending it.
        .. _badLongs.Select(Uri.EscapeDataString), "0x10", "%20", "1%202", "5/extra", "not-a-number",
        new string('9', r.Next(30, 5_000)),
    ]);

    /// <summary>An id no user has (the seed only uses small positive ids).</summary>
    private static string UnknownId(Random r, bool positive = false) => positive
        ? r.NextInt64(1_000_000_000_000, long.MaxValue).ToString(CultureInfo.InvariantCulture)
        : Pick(r, ["0", "-1", "9223372036854775807", "-9223372036854775808", r.NextInt64(1_000_000_000_000, long.MaxValue).ToString(CultureInfo.InvariantCulture)]);

    private static byte[] BrokenJson(Random r, BodyShape shape)
    {
        var valid = Valid(shape);
        var first = shape.Template[0];
        return Pick(r, new Func<byte[]>[]
        {
            () => Json(valid[..r.Next(1, valid.Length)]),
            () => Json(valid[..^1] + ",}"),
            () => Json(valid.Replace('"', '\'')),
            () => Json(valid.Replace($"\"{first}\"", first, StringComparison.Ordinal)),
            () => Json(valid.Replace($"\"{first}\":", $"\"{first}\" ", StringComparison.Ordinal)),
            () => Json(valid.Contains(',', StringComparison.Ordinal) ? valid.Replace(",", ",,", StringComparison.Ordinal) : "{," + valid[1..]),
            () => Json("{/* comment */" + valid[1..]),
            () => Json("// comment\n" + valid),
            () => Json(With(shape, first, Pick(r, ["NaN", "Infinity", "-Infinity", "undefined", "01", "+1", ".5", "1.", "0x1F", "True", "nul"]))),
            () => Json(valid + Pick(r, ["}", "{}", " x", ",", "]", valid])),
            () => Json(valid.Replace("\"", "\\\"", StringComparison.Ordinal)),
            () => Json("{" + valid),
            () => Json(valid.Replace(":", "=", StringComparison.Ordinal)),
            () => [.. Json($"{{\"{first}\":\""), 0xFF, 0xFE, 0xC0, .. Json("\"}")],
            () => Json(With(shape, first, "\"\\uD800\"")),
            () => Json(With(shape, first, "\"\\uDD1E\\uD834\"")),
            () => Json(With(shape, first, "\"a\u0001b\"")),
            () => Json(With(shape, first, "\"\\x41\"")),
            () => Json(valid.Replace("\"", "\u201C", StringComparison.Ordinal)),
        })();
    }

    private static string WrongType(Random r, Field field)
    {
        string[] choices = field.Type switch
        {
            FieldType.Integer or FieldType.Decimal => ["\"5\"", "\"\"", "true", "false", "[]", "[1]", "{}", "{\"value\":1}", "\"1e3\""],
            FieldType.Boolean => ["1", "0", "\"true\"", "\"yes\"", "[]", "[true]", "{}", "\"\""],
            FieldType.IntegerList => ["5", "\"1\"", "\"[1]\"", "true", "{}", "[\"a\"]", "[\"1\"]", "[true]", "[1.5]", "[[1]]", "[{}]", "[null]", "[1e3]"],
            _ => ["5", "1.5", "true", "[]", "[\"a\"]", "{}", "{\"text\":\"a\"}"],
        };
        return field.Required && r.Next(5) == 0 ? "null" : Pick(r, choices);
    }

    private static string HugeOrInvalid(Random r, Field field)
    {
        if (field.Type is FieldType.Integer or FieldType.Decimal && r.Next(3) == 0)
        {
            // A number far beyond any type: hundreds of digits, an exponent, or both.
            var digits = (char)('1' + r.Next(9)) + string.Concat(Enumerable.Range(0, r.Next(30, 600)).Select(_ => (char)('0' + r.Next(10))));
            return Pick(r, ["1" + digits, "-1" + digits, $"1{digits}e{r.Next(300, 100_000)}", $"0.{digits}1", $"1e{r.Next(400, 100_000)}", $"-1e{r.Next(400, 100_000)}"]);
        }

        return Pick(r, field.Invalid.Length > 0 ? field.Invalid : ["1e400"]);
    }

    private static byte[] Oversized(Random r, BodyShape shape)
    {
        var size = r.Next(Megabyte, 4 * Megabyte);
        var text = shape.Fields.FirstOrDefault(f => f.Type == FieldType.Text);
        return r.Next(text is null ? 4 : 5) switch
        {
            0 => Json(With(shape, UnknownName(r), Quoted(new string('x', size)))),
            1 => Json(With(shape, Pick(r, shape.Fields).Name, "[" + string.Join(',', Enumerable.Repeat("1", size / 2)) + "]")),
            2 => Json(With(shape, Pick(r, shape.Fields.Where(f => f.Type != FieldType.Text).ToArray()).Name, "1" + new string('0', size))),
            // Valid JSON but for its size: nothing the API takes is anywhere near a megabyte.
            3 => Json("{" + new string(' ', size) + Valid(shape)[1..]),
            _ => Json(With(shape, text!.Name, Quoted(new string('y', size)))),
        };
    }

    private static string UnknownName(Random r) => "x_" + string.Concat(Enumerable.Range(0, r.Next(1, 12)).Select(_ => (char)('a' + r.Next(26))));

    private static string Valid(BodyShape shape) => ObjectOf(shape.Template.Select(n => (n, shape[n].Valid)));

    /// <summary>The valid template with <paramref name="name"/> set to <paramref name="literal"/> (added if absent).</summary>
    private static string With(BodyShape shape, string name, string literal) =>
        ObjectOf(shape.Template.Contains(name)
            ? shape.Template.Select(n => (n, n == name ? literal : shape[n].Valid))
            : shape.Template.Select(n => (n, shape[n].Valid)).Append((name, literal)));

    private static string ObjectOf(IEnumerable<(string Name, string Literal)> fields) =>
        "{" + string.Join(',', fields.Select(f => $"\"{f.Name}\":{f.Literal}")) + "}";

    private static string Quoted(string text) => $"\"{text}\"";

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    private static T Pick<T>(Random r, IReadOnlyList<T> items) => items[r.Next(items.Count)];

    /// <summary>What a generator makes; the method defaults to the endpoint's.</summary>
    private sealed record Draft(string Path, byte[]? Body, string? ContentType, string? Method = null);

    /// <param name="Invalid">Literals out of the field's range (or otherwise refused) but of the right JSON type.</param>
    private sealed record Field(string Name, FieldType Type, bool Required, string Valid, string[] Invalid);

    /// <param name="Optional">The endpoint accepts an empty body.</param>
    /// <param name="Template">The fields of the valid body every mutation starts from.</param>
    private sealed record BodyShape(Field[] Fields, bool Optional, string[] Template)
    {
        public Field this[string name] => Fields.Single(f => f.Name == name);
    }
}
