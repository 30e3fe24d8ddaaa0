// The initial states profiled out of the likelihood (plugins/ets/Model/Profile.swift).
import XCTest
@testable import EtsModel

final class ProfileTests: XCTestCase {
    /// The propagated derivatives ∂f/∂θ (for linear states built from one seasonal impulse,
    /// shifted) equal central differences of the forecasts from the plain recursions.
    func testDerivativesMatchFiniteDifferences() throws {
        let y = exampleSeries("visnights.csv", "NSWMetro")
        let n = y.count
        let p = Params(alpha: 0.3, beta: 0.05, gamma: 0.1, phi: 0.9)
        for (e, t, s, d) in [(Component.additive, Component.additive, Component.additive, true),
                             (.multiplicative, .none, .additive, false),
                             (.multiplicative, .additive, .multiplicative, true),
                             (.additive, .additive, .none, false)] {
            let spec = EtsSpec(error: e, trend: t, season: s, damped: d, period: 4)
            let theta = Array(initialState(y, spec).prefix(1 + (t == .none ? 0 : 1) + (s == .none ? 0 : 3)))
            let prof = Profiler(y: y, spec: spec, start: theta)
            XCTAssert(prof.propagate(p, theta))
            func forecasts(_ th: [Double]) -> [Double] {
                var err = [Double](repeating: 0, count: n), fit = err
                _ = y.withUnsafeBufferPointer { yb in err.withUnsafeMutableBufferPointer { eb in fit.withUnsafeMutableBufferPointer { fb in
                    likelihood(yb, spec, p, prof.state(th)!, errors: eb.baseAddress, fitted: fb.baseAddress) } } }
                return fit
            }
            let f0 = forecasts(theta)
            for t in 0..<n { XCTAssertEqual(prof.f[t], f0[t], accuracy: 1e-9 * abs(f0[t]), "\(spec.description) f") }
            for j in 0..<theta.count {
                let h = 1e-5 * max(1, abs(theta[j]))
                var up = theta, down = theta
                up[j] += h; down[j] -= h
                let fu = forecasts(up), fd = forecasts(down)
                for t in 0..<n {
                    let fdiff = (fu[t] - fd[t]) / (2 * h)
                    XCTAssertEqual(prof.z[j * n + t], fdiff, accuracy: 1e-5 * max(1, abs(fdiff)), "\(spec.description) column \(j) t \(t)")
                }
            }
        }
    }

    /// On the textbook cases the profiled fit reaches at least the likelihood of the joint
    /// optimisation over smoothing parameters and initial states (the earlier method).
    func testProfiledFitsAreAtLeastAsGoodAsJoint() throws {
        let cases: [([Double], Int, String)] = [
            (exampleSeries("visnights.csv", "NSWMetro"), 4, "ANN"),
            (exampleSeries("visnights.csv", "NSWMetro"), 4, "MNA"),
            (exampleSeries("visnights.csv", "NSWMetro"), 4, "MAM"),
            (exampleSeries("visnights.csv", "QLDMetro"), 4, "AAdA"),
            (exampleSeries("visnights.csv", "NSWNthCo"), 4, "AAN"),
            (exampleSeries("us_employment.csv", "CEU0500000001", last: 120), 12, "AAA"),
        ]
        for (y, m, model) in cases {
            var o = EtsOptions()
            o.period = m
            try o.setModel(model)
            o.damped = model.count == 4
            let prof = try Ets.fit(y: y, options: o)
            o.profile = false
            let joint = try Ets.fit(y: y, options: o)
            XCTAssertEqual(prof.description, joint.description)
            XCTAssertGreaterThanOrEqual(prof.loglik, joint.loglik - 1e-6 * abs(joint.loglik), "\(model)")
        }
    }
}
