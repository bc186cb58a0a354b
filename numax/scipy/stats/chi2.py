"""numax.scipy.stats.chi2: the chi-squared distribution with `df` degrees of freedom,
the gamma distribution with shape df / 2 and scale 2."""

from numax.scipy.stats import _common, gamma


def _as_gamma(function):
    def chi2_function(x, df, loc=0, scale=1):
        x, df, loc, scale = _common.promote_inexact(f"chi2.{function.__name__}",
                                                    x, df, loc, scale)
        return function(x, df / 2, loc, 2 * scale)
    chi2_function.__name__ = chi2_function.__qualname__ = function.__name__
    chi2_function.__doc__ = f"gamma.{function.__name__}(x, df / 2, loc, 2 * scale)."
    return chi2_function


logpdf = _as_gamma(gamma.logpdf)
pdf = _as_gamma(gamma.pdf)
cdf = _as_gamma(gamma.cdf)
logcdf = _as_gamma(gamma.logcdf)
sf = _as_gamma(gamma.sf)
logsf = _as_gamma(gamma.logsf)
