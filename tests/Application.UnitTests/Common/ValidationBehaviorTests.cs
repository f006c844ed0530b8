using FluentValidation;
using Mediator;
using Migration.Application.Common;
using Migration.Application.Validation;
using Migration.Application.Validation.StartIncr;
using NSubstitute;
using ValidationException = Migration.Application.Common.ValidationException;

namespace Migration.Application.UnitTests.Common;

public sealed class ValidationBehaviorTests
{
    private static readonly RunDto _result = new(
        Guid.NewGuid(), "incremental", "running", "users", "SRC", 0, 500, default, null, 0, 0,
        new InconsistencyCountsDto(0, 0, 0), 0, 0, null, 0, 0, 0, 0, null, 0, null);

    [Fact]
    public async Task Handle_NoValidators_CallsNext()
    {
        var behavior = new ValidationBehavior<StartIncrCommand, RunDto>([]);
        var result = await behavior.Handle(new StartIncrCommand(null, null), (_, _) => ValueTask.FromResult(_result), TestContext.Current.CancellationToken);
        Assert.Same(_result, result);
    }

    [Fact]
    public async Task Handle_Invalid_ThrowsWithCamelCaseFieldsAndSkipsNext()
    {
        var behavior = new ValidationBehavior<StartIncrCommand, RunDto>([new StartIncrCommandValidator(TimeProvider.System)]);
        var next = Substitute.For<MessageHandlerDelegate<StartIncrCommand, RunDto>>();

        var ex = await Assert.ThrowsAsync<ValidationException>(async () =>
            await behavior.Handle(new StartIncrCommand(-1, 0), next, TestContext.Current.CancellationToken));

        Assert.Equal(["interval", "utime"], ex.Errors.Keys.Order());
        Assert.Contains("0 or more", ex.Errors["utime"].Single(), StringComparison.Ordinal);
        await next.DidNotReceiveWithAnyArgs().Invoke(default!, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Handle_Valid_CallsNextOnce()
    {
        var validator = Substitute.For<IValidator<StartIncrCommand>>();
        validator.ValidateAsync(Arg.Any<IValidationContext>(), Arg.Any<CancellationToken>())
            .Returns(new FluentValidation.Results.ValidationResult());
        var behavior = new ValidationBehavior<StartIncrCommand, RunDto>([validator]);
        var calls = 0;

        await behavior.Handle(new StartIncrCommand(0, 500), (_, _) => { calls++; return ValueTask.FromResult(_result); }, TestContext.Current.CancellationToken);

        Assert.Equal(1, calls);
    }
}
