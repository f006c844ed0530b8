using Mediator;
using Microsoft.AspNetCore.Mvc;
using Migration.Application.OrderLines;
using Migration.Application.OrderLines.DeleteOrderLine;
using Migration.Application.OrderLines.GetOrderLine;
using Migration.Application.OrderLines.ListOrderLines;
using Migration.Application.OrderLines.PutOrderLine;

namespace Migration.WebApi.Controllers;

/// <summary>
/// The second demo module: order lines, a table with a composite key the client assigns (<c>order_id</c>,
/// <c>line_no</c>), read and written through the double-write pool like users. Reads come from the primary side of the
/// current pattern; writes reach both sides, with the same key, when it is a double-writing one.
/// </summary>
[ApiController]
[Route("api/orders/{orderId:long}/lines")]
public sealed class OrderLinesController(IMediator mediator) : ControllerBase
{
    /// <summary>A page of the order's lines by line number.</summary>
    /// <param name="orderId">The order.</param>
    /// <param name="afterLineNo">List lines with a greater number. Default 0.</param>
    /// <param name="limit">At most this many, 1 to 1,000. Default 100.</param>
    /// <response code="200">The page (empty for an order without lines); pass <c>nextAfterLineNo</c> as <c>afterLineNo</c> for the next one.</response>
    /// <response code="400">A parameter is out of range; <c>errors</c> names it.</response>
    [HttpGet]
    [ProducesResponseType<OrderLinePageDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    public async Task<OrderLinePageDto> List(long orderId, [FromQuery] int? afterLineNo, [FromQuery] int? limit, CancellationToken cancellationToken) =>
        await mediator.Send(new ListOrderLinesQuery(orderId, afterLineNo, limit), cancellationToken);

    /// <summary>One order line.</summary>
    /// <response code="200">The line, as the primary side has it.</response>
    /// <response code="400">The order id or line number is not positive; <c>errors</c> names it.</response>
    /// <response code="404">There is no such line on the primary side.</response>
    [HttpGet("{lineNo:int}")]
    [ProducesResponseType<OrderLineDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    public async Task<OrderLineDto> Get(long orderId, int lineNo, CancellationToken cancellationToken) =>
        await mediator.Send(new GetOrderLineQuery(orderId, lineNo), cancellationToken);

    /// <summary>Create the line, or replace its fields if it exists. The key is the client's; the secondary gets the same.</summary>
    /// <response code="200">Replaced; the line as written.</response>
    /// <response code="201">Created; <c>Location</c> names the line.</response>
    /// <response code="400">A field or the key is missing or invalid; <c>errors</c> names it.</response>
    /// <response code="409">Another write created or changed the line meanwhile; read it again and retry.</response>
    /// <response code="503">The write failed on the primary side (nothing was written), or in strict mode on the secondary.</response>
    [HttpPut("{lineNo:int}")]
    [Consumes("application/json")]
    [ProducesResponseType<OrderLineDto>(StatusCodes.Status200OK)]
    [ProducesResponseType<OrderLineDto>(StatusCodes.Status201Created)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable)]
    public async Task<ActionResult<OrderLineDto>> Put(long orderId, int lineNo, [FromBody] OrderLineBody body, CancellationToken cancellationToken)
    {
        var result = await mediator.Send(new PutOrderLineCommand(orderId, lineNo, body.Sku, body.Qty, body.Price), cancellationToken);
        return result.Created
            ? CreatedAtAction(nameof(Get), new { orderId, lineNo }, result.Line)
            : Ok(result.Line);
    }

    /// <summary>Delete the line on both sides.</summary>
    /// <response code="204">Deleted.</response>
    /// <response code="400">The order id or line number is not positive; <c>errors</c> names it.</response>
    /// <response code="404">There is no such line on the primary side.</response>
    /// <response code="503">The write failed on the primary side (nothing was written), or in strict mode on the secondary.</response>
    [HttpDelete("{lineNo:int}")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ValidationProblemDetails>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable)]
    public async Task<IActionResult> Delete(long orderId, int lineNo, CancellationToken cancellationToken)
    {
        await mediator.Send(new DeleteOrderLineCommand(orderId, lineNo), cancellationToken);
        return NoContent();
    }
}

/// <summary>An order line's fields, as a client sends them; all are required.</summary>
/// <param name="Sku">1 to 40 characters.</param>
/// <param name="Qty">1 to 1,000,000.</param>
/// <param name="Price">Not negative; at most 10 digits before the decimal point and 2 after it.</param>
public sealed record OrderLineBody(string? Sku, int? Qty, decimal? Price);
