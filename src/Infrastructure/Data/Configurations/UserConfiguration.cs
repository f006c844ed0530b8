using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Migration.Domain.Users;

namespace Migration.Infrastructure.Data.Configurations;

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.ToTable("users");
        builder.HasKey(u => u.Id);
        builder.Property(u => u.Id).HasColumnName("id");
        builder.Property(u => u.Name).HasColumnName("name").HasMaxLength(100).IsRequired();
        builder.Property(u => u.Email).HasColumnName("email").HasMaxLength(200).IsRequired();
        builder.Property(u => u.Age).HasColumnName("age");
        builder.Property(u => u.Balance).HasColumnName("balance").HasPrecision(12, 2);
        builder.Property(u => u.Ctime).HasColumnName("ctime");
        builder.Property(u => u.Utime).HasColumnName("utime");

        // Incremental validation walks (utime, id) with keyset pagination.
        builder.HasIndex(u => new { u.Utime, u.Id }).HasDatabaseName("ix_users_utime_id");
    }
}
